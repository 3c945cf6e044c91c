from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0014_bills')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Consent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('terminal_id', fields.CharField(max_length=64)),
                ('institution_code', fields.CharField(max_length=32)),
                ('doctor_id', fields.CharField(max_length=32)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_consent', 'app': 'ehc', 'pk_attr': 'id', 'table_description': "A resident lets one doctor (a doctor station's terminal + a doctor id) read the reports"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Report',
            fields=[
                ('report_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=24)),
                ('institution_code', fields.CharField(max_length=32)),
                ('terminal_id', fields.CharField(max_length=64)),
                ('patient_id', fields.CharField(max_length=32)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('kind', fields.CharField(max_length=32)),
                ('title_sealed', fields.TextField(unique=False)),
                ('size', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report', 'app': 'ehc', 'pk_attr': 'report_id', 'table_description': 'One report of one patient at one institution.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportPdf',
            fields=[
                ('report_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=24)),
                ('pdf_sealed', fields.TextField(unique=False)),
            ],
            options={'table': 'report_pdf', 'app': 'ehc', 'pk_attr': 'report_id', 'table_description': "A report's PDF, sealed (kept apart so that lists never load it)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportRead',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report_id', fields.CharField(db_index=True, max_length=24)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('reader_kind', fields.CharField(max_length=16)),
                ('reader', fields.CharField(max_length=100)),
                ('consent_id', fields.BigIntField(null=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report_read', 'app': 'ehc', 'pk_attr': 'id', 'table_description': "Someone opened a report's PDF: the holder, or a doctor under a consent."},
            bases=['Model'],
        ),
    ]
