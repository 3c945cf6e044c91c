from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0012_institutions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CounterCharge',
            fields=[
                ('charge_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('terminal_id', fields.CharField(db_index=True, max_length=64)),
                ('institution_code', fields.CharField(max_length=32)),
                ('method', fields.CharField(max_length=8)),
                ('auth_code_masked', fields.CharField(max_length=32)),
                ('appointment_id', fields.CharField(null=True, db_index=True, max_length=24)),
                ('bill_id', fields.CharField(null=True, db_index=True, max_length=32)),
                ('outcome', fields.CharField(null=True, max_length=16)),
                ('reason', fields.CharField(null=True, max_length=255)),
                ('deadline', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'counter_charge', 'app': 'ehc', 'pk_attr': 'charge_id', 'table_description': 'One payment code charged at one terminal.'},
            bases=['Model'],
        ),
    ]
