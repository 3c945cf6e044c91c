from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0015_reports')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Card',
            name='status',
            field=fields.CharField(default='active', max_length=24),
        ),
        ops.AlterField(
            model_name='CardEvent',
            name='from_status',
            field=fields.CharField(null=True, max_length=24),
        ),
        ops.AlterField(
            model_name='CardEvent',
            name='to_status',
            field=fields.CharField(null=True, max_length=24),
        ),
    ]
