from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('ehc', '0018_usage_seen')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='CardUsage',
            name=None,
            fields=['card_id', 'at'],
        ),
    ]
