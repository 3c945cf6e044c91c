from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('ehc', '0010_master_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UsageDaily',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField(db_index=True)),
                ('region_code', fields.CharField(max_length=12)),
                ('institution_code', fields.CharField(max_length=32)),
                ('channel_code', fields.CharField(max_length=8)),
                ('scene', fields.CharField(max_length=16)),
                ('medstep_code', fields.CharField(max_length=16)),
                ('uses', fields.BigIntField(default=0)),
                ('first_day', fields.BigIntField(default=0)),
                ('first_region', fields.BigIntField(default=0)),
                ('first_institution', fields.BigIntField(default=0)),
                ('first_channel', fields.BigIntField(default=0)),
                ('first_scene', fields.BigIntField(default=0)),
            ],
            options={'table': 'usage_daily', 'app': 'ehc', 'unique_together': (('day', 'region_code', 'institution_code', 'channel_code', 'scene', 'medstep_code'),), 'pk_attr': 'id', 'table_description': 'Uses of cards on one local day in one cell (region, institution, channel, scene, step).'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='CardUsage',
            index=Index(fields=['card_id', 'at']),
        ),
        ops.AddField(
            model_name='Person',
            name='region_code',
            field=fields.CharField(null=True, db_index=True, max_length=6),
        ),
    ]
