from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0016_pending_cards')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Card',
            name='kind',
            field=fields.CharField(default='standard', max_length=16),
        ),
    ]
