from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0017_card_kind')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UsageSeen',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('card_id', fields.CharField(max_length=64)),
                ('key', fields.CharField(max_length=40)),
            ],
            options={'table': 'usage_seen', 'app': 'ehc', 'unique_together': (('day', 'card_id', 'key'),), 'pk_attr': 'id', 'table_description': 'What one card was used for on one local day: a row per dimension value (``d`` the day'},
            bases=['Model'],
        ),
    ]
