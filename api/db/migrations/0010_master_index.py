from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0009_upward')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MasterLink',
            fields=[
                ('person_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('master_id', fields.CharField(db_index=True, max_length=24)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'master_link', 'app': 'ehc', 'pk_attr': 'person_id', 'table_description': 'A person row filed under another master id than its own (``MP<person id>``).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonMerge',
            fields=[
                ('merge_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=24)),
                ('survivor_id', fields.CharField(max_length=24)),
                ('other_id', fields.CharField(max_length=24)),
                ('reason', fields.CharField(max_length=255)),
                ('moved', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('merged_by', fields.CharField(max_length=64)),
                ('merged_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('undone_by', fields.CharField(null=True, max_length=64)),
                ('undone_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'person_merge', 'app': 'ehc', 'pk_attr': 'merge_id', 'table_description': 'Two persons found to be one: who, when, why, and the rows it moved (to undo it).'},
            bases=['Model'],
        ),
    ]
