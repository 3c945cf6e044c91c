from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0006_reconciliation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InsuranceSettlement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.OneToOneField('ehc.Payment', source_field='payment_id', db_constraint=True, to_field='payment_id', related_name='insurance', on_delete=OnDelete.RESTRICT)),
                ('appointment_id', fields.CharField(db_index=True, max_length=24)),
                ('order_id', fields.CharField(unique=True, max_length=64)),
                ('psn_no', fields.CharField(max_length=64)),
                ('total', fields.IntField()),
                ('fund', fields.IntField()),
                ('account', fields.IntField()),
                ('self_pay', fields.IntField()),
                ('status', fields.CharField(default='presettled', db_index=True, max_length=16)),
                ('settle_id', fields.CharField(null=True, max_length=64)),
                ('refund_no', fields.CharField(null=True, max_length=32)),
                ('reason', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'insurance_settlement', 'app': 'ehc', 'pk_attr': 'id', 'table_description': "The medical-insurance part of a payment: the platform's order and its split in fen."},
            bases=['Model'],
        ),
    ]
