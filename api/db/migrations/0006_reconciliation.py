from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0005_messages')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Reconciliation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('method', fields.CharField(max_length=8)),
                ('matched', fields.IntField(default=0)),
                ('open_discrepancies', fields.IntField(default=0)),
                ('bill_lines', fields.IntField(default=0)),
                ('bill_net', fields.BigIntField(default=0)),
                ('our_net', fields.BigIntField(default=0)),
                ('runs', fields.IntField(default=0)),
                ('ran_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ran_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'reconciliation', 'app': 'ehc', 'unique_together': (('day', 'method'),), 'pk_attr': 'id', 'table_description': "One day of one platform's bill compared with our books (a re-run updates it)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Discrepancy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reconciliation', fields.ForeignKeyField('ehc.Reconciliation', source_field='reconciliation_id', db_constraint=True, to_field='id', related_name='discrepancy_rows', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=24)),
                ('line', fields.CharField(max_length=8)),
                ('reference', fields.CharField(max_length=64)),
                ('ours_amount', fields.IntField(null=True)),
                ('platform_amount', fields.IntField(null=True)),
                ('ours_status', fields.CharField(null=True, max_length=16)),
                ('platform_status', fields.CharField(null=True, max_length=16)),
                ('status', fields.CharField(default='open', db_index=True, max_length=16)),
                ('note', fields.CharField(default='', max_length=255)),
                ('resolved_by', fields.CharField(null=True, max_length=64)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('found_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'discrepancy', 'app': 'ehc', 'unique_together': (('reconciliation', 'kind', 'reference'),), 'pk_attr': 'id', 'table_description': 'A bill line and our books that disagree, until someone resolves it (or a re-run finds it'},
            bases=['Model'],
        ),
    ]
