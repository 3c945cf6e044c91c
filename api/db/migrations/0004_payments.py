from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0003_appointments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Payment',
            fields=[
                ('payment_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('appointment_id', fields.CharField(db_index=True, max_length=24)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('method', fields.CharField(max_length=8)),
                ('app_id', fields.CharField(max_length=64)),
                ('payer', fields.CharField(max_length=128)),
                ('subject', fields.CharField(max_length=128)),
                ('amount', fields.IntField()),
                ('status', fields.CharField(default='created', db_index=True, max_length=16)),
                ('refunded', fields.IntField(default=0)),
                ('platform_trade_no', fields.CharField(null=True, max_length=64)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payment', 'app': 'ehc', 'pk_attr': 'payment_id', 'table_description': 'One attempt to pay one order (its id is the out_trade_no the platform knows).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('refund_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('payment', fields.ForeignKeyField('ehc.Payment', source_field='payment_id', db_constraint=True, to_field='payment_id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.IntField()),
                ('reason', fields.CharField(max_length=255)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('platform_refund_no', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refund', 'app': 'ehc', 'pk_attr': 'refund_id', 'table_description': 'Money going back to where it came from.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Appointment',
            name='payment_id',
            field=fields.CharField(null=True, max_length=32),
        ),
    ]
