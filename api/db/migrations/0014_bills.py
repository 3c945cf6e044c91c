from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0013_counter_charges')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Bill',
            fields=[
                ('bill_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=24)),
                ('institution_code', fields.CharField(max_length=32)),
                ('terminal_id', fields.CharField(max_length=64)),
                ('patient_id', fields.CharField(max_length=32)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('visit_no', fields.CharField(max_length=64)),
                ('bill_no', fields.CharField(max_length=64)),
                ('digest', fields.CharField(max_length=64)),
                ('amount', fields.IntField()),
                ('refunded', fields.IntField(default=0)),
                ('status', fields.CharField(default='unpaid', db_index=True, max_length=16)),
                ('payment_id', fields.CharField(null=True, max_length=32)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'his_bill', 'app': 'ehc', 'unique_together': (('institution_code', 'visit_no', 'bill_no'),), 'pk_attr': 'bill_id', 'table_description': 'One bill of one visit, unique per institution by visit number and bill number.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BillItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('bill', fields.ForeignKeyField('ehc.Bill', source_field='bill_id', db_constraint=True, to_field='bill_id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('line', fields.IntField()),
                ('code', fields.CharField(max_length=32)),
                ('name_sealed', fields.TextField(unique=False)),
                ('quantity', fields.IntField()),
                ('unit_price', fields.IntField()),
                ('refunded_quantity', fields.IntField(default=0)),
            ],
            options={'table': 'his_bill_item', 'app': 'ehc', 'unique_together': (('bill', 'line'),), 'pk_attr': 'id', 'table_description': 'One line of a bill (refunded_quantity of it went back).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InstitutionWebhook',
            fields=[
                ('institution_code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('url', fields.CharField(max_length=512)),
                ('client_id', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'institution_webhook', 'app': 'ehc', 'pk_attr': 'institution_code', 'table_description': "Where an institution's HIS hears about its bills (bill_paid): a URL, and the"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Payment',
            name='bill_id',
            field=fields.CharField(null=True, db_index=True, max_length=24),
        ),
    ]
