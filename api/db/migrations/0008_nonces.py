from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0007_insurance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SpentNonce',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_id', fields.CharField(max_length=64)),
                ('nonce', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'spent_nonce', 'app': 'ehc', 'unique_together': (('client_id', 'nonce'),), 'pk_attr': 'id', 'table_description': "A signed token request's nonce, kept until it expires: the durable record of single use"},
            bases=['Model'],
        ),
    ]
