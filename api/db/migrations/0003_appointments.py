from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ehc', '0002_terminals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Hospital',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('name', fields.CharField(max_length=128)),
                ('timezone', fields.CharField(default='Asia/Shanghai', max_length=64)),
                ('checkin_opens_minutes', fields.IntField(null=True, default=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'hospital', 'app': 'ehc', 'pk_attr': 'code', 'table_description': 'An institution residents book at (its code is the institution code of its terminals).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('hospital', fields.ForeignKeyField('ehc.Hospital', source_field='hospital_id', db_constraint=True, to_field='code', related_name='departments', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=32)),
                ('name', fields.CharField(max_length=128)),
            ],
            options={'table': 'department', 'app': 'ehc', 'unique_together': (('hospital', 'code'),), 'pk_attr': 'id', 'table_description': 'A clinical department of a hospital.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Doctor',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.ForeignKeyField('ehc.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='doctors', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('title', fields.CharField(default='', max_length=64)),
                ('specialty', fields.CharField(default='', max_length=255)),
            ],
            options={'table': 'doctor', 'app': 'ehc', 'unique_together': (('department', 'code'),), 'pk_attr': 'id', 'table_description': 'A doctor who holds schedules in one department.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.CharField(max_length=32)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('card_id', fields.CharField(null=True, max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', db_index=True, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('available_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'ehc', 'pk_attr': 'id', 'table_description': 'One event for one resident user, waiting for (or done with) delivery.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Schedule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('doctor', fields.ForeignKeyField('ehc.Doctor', source_field='doctor_id', db_constraint=True, to_field='id', related_name='schedules', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('ehc.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='schedules', on_delete=OnDelete.CASCADE)),
                ('date', fields.DateField()),
                ('period', fields.CharField(max_length=16)),
                ('fee', fields.IntField(default=0)),
                ('room', fields.CharField(default='', max_length=64)),
                ('status', fields.CharField(default='open', max_length=16)),
                ('booking_opens_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('queue_seq', fields.IntField(default=0)),
                ('stopped_reason', fields.CharField(null=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'schedule', 'app': 'ehc', 'unique_together': (('doctor', 'date', 'period'),), 'pk_attr': 'id', 'table_description': "One doctor's session on one local date (morning, afternoon…) with its fee in fen."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Slot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('schedule', fields.ForeignKeyField('ehc.Schedule', source_field='schedule_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
                ('booked', fields.IntField(default=0)),
            ],
            options={'table': 'slot', 'app': 'ehc', 'pk_attr': 'id', 'table_description': 'A time window of a schedule with its capacity and the places taken.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('appointment_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=24)),
                ('card_id', fields.CharField(db_index=True, max_length=64)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('hospital_code', fields.CharField(max_length=32)),
                ('schedule', fields.ForeignKeyField('ehc.Schedule', source_field='schedule_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('slot', fields.ForeignKeyField('ehc.Slot', source_field='slot_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('fee', fields.IntField()),
                ('pay_before', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('live_key', fields.CharField(null=True, unique=True, max_length=96)),
                ('queue_number', fields.IntField(null=True)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('called_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_24h', fields.BooleanField(default=False)),
                ('reminded_2h', fields.BooleanField(default=False)),
                ('cancel_reason', fields.CharField(null=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'appointment', 'app': 'ehc', 'pk_attr': 'appointment_id', 'table_description': "A card's booking of a slot, from the hold to the visit."},
            bases=['Model'],
        ),
    ]
