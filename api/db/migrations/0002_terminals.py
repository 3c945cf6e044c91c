from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CardUsage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('issuer', fields.CharField(max_length=32)),
                ('institution_code', fields.CharField(max_length=32)),
                ('terminal_id', fields.CharField(max_length=64)),
                ('channel_code', fields.CharField(max_length=8)),
                ('medstep_code', fields.CharField(max_length=16)),
                ('scene', fields.CharField(max_length=16)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'card_usage', 'app': 'ehc', 'pk_attr': 'id', 'table_description': 'One use of a card at a terminal, for monitoring and statistics.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CentreSetting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'centre_setting', 'app': 'ehc', 'pk_attr': 'key', 'table_description': 'A card-centre setting changed at run time (e.g. the dynamic QR lifetime).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PatientRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution_code', fields.CharField(max_length=32)),
                ('card_id', fields.CharField(max_length=64)),
                ('issuer', fields.CharField(max_length=32)),
                ('patient_id', fields.CharField(unique=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'patient_record', 'app': 'ehc', 'unique_together': (('institution_code', 'card_id'),), 'pk_attr': 'id', 'table_description': "An institution's own patient record for a card (自动建档: made at first use)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Terminal',
            fields=[
                ('terminal_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('institution_code', fields.CharField(db_index=True, max_length=32)),
                ('kind', fields.CharField(max_length=16)),
                ('channel_code', fields.CharField(max_length=8)),
                ('name', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'terminal', 'app': 'ehc', 'pk_attr': 'terminal_id', 'table_description': "A counter window, kiosk, doctor station… ``terminal_id`` is its API client's id."},
            bases=['Model'],
        ),
    ]
