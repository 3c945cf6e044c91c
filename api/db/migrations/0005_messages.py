from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0004_payments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.CharField(max_length=32)),
                ('channel', fields.CharField(max_length=16)),
                ('template_id', fields.CharField(max_length=64)),
                ('title', fields.CharField(max_length=64)),
                ('text', fields.CharField(max_length=500)),
                ('urgent', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'message_template', 'app': 'ehc', 'unique_together': (('event', 'channel'),), 'pk_attr': 'id', 'table_description': "An admin's wording of an event on a channel (defaults live in templates.py)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Subscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.CharField(max_length=40)),
                ('template_id', fields.CharField(max_length=64)),
                ('remaining', fields.IntField(default=0)),
            ],
            options={'table': 'message_subscription', 'app': 'ehc', 'unique_together': (('user_id', 'template_id'),), 'pk_attr': 'id', 'table_description': 'One-time subscribe grants a user gave a template in the mini-program (one grant, one'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ChannelApp',
            name='webhook_url',
            field=fields.CharField(null=True, max_length=512),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='channel',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='delivery',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='last_error',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='lease_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='sent_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='worker',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
