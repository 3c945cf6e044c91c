from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0011_indicators')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Institution',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('name', fields.CharField(max_length=128)),
                ('kind', fields.CharField(max_length=24)),
                ('level', fields.CharField(null=True, max_length=16)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=6)),
                ('parent_code', fields.CharField(null=True, max_length=32)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'institution', 'app': 'ehc', 'pk_attr': 'code', 'table_description': "An institution of the card centre's network. A hospital's code is also its ``Hospital``"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Region',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=6)),
                ('name', fields.CharField(max_length=64)),
                ('population', fields.BigIntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'region', 'app': 'ehc', 'pk_attr': 'code', 'table_description': 'A region named or counted by the card centre: a code added to the seed list, or a'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AdminUser',
            name='created_by',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='AdminUser',
            name='role',
            field=fields.CharField(default='centre_admin', max_length=24),
        ),
        ops.AddField(
            model_name='AdminUser',
            name='scope',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='BlacklistEntry',
            name='region_code',
            field=fields.CharField(null=True, max_length=6),
        ),
        ops.AddField(
            model_name='Card',
            name='region_code',
            field=fields.CharField(null=True, db_index=True, max_length=6),
        ),
        ops.AddField(
            model_name='Department',
            name='active',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Doctor',
            name='active',
            field=fields.BooleanField(default=True),
        ),
    ]
