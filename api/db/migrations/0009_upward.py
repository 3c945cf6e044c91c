from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0008_nonces')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('record_id', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharField(max_length=16)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', db_index=True, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(null=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_record', 'app': 'ehc', 'pk_attr': 'id', 'table_description': 'One record for the platform above (a card registered, a status change, a use), waiting'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SyncState',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('holder', fields.CharField(null=True, max_length=64)),
                ('failures', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=255)),
                ('blacklist_cursor', fields.BigIntField(default=0)),
            ],
            options={'table': 'sync_state', 'app': 'ehc', 'pk_attr': 'name', 'table_description': 'The upload and blacklist cursor of the sync with the platform above.'},
            bases=['Model'],
        ),
    ]
