"""Hospitals, departments, doctors, schedules, slots and appointments.

A slot's ``booked`` count is changed only by conditional updates (``booked < capacity``), so the
database itself refuses an over-booking. Instants are stored with zone (UTC); dates are the
hospital's local dates.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

PERIODS = ("morning", "afternoon", "evening", "night")
SCHEDULE_STATUSES = ("open", "stopped")
APPOINTMENT_STATUSES = (
    "pending_payment",
    "booked",
    "checked_in",
    "called",
    "completed",
    "cancelled",
    "expired",
    "missed",
)
ACTIVE_STATUSES = ("pending_payment", "booked", "checked_in", "called")


class Hospital(Model):
    """An institution residents book at (its code is the institution code of its terminals)."""

    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=128)
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    # Minutes before the slot that check-in opens (None: from the moment of booking).
    checkin_opens_minutes = fields.IntField(null=True, default=60)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "hospital"


class Department(Model):
    """A clinical department of a hospital."""

    id = fields.BigIntField(primary_key=True)
    hospital: fields.ForeignKeyRelation[Hospital] = fields.ForeignKeyField(
        "ehc.Hospital", related_name="departments", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=128)
    active = fields.BooleanField(default=True)  # a retired department takes no new schedules

    class Meta:
        table = "department"
        unique_together = (("hospital", "code"),)


class Doctor(Model):
    """A doctor who holds schedules in one department."""

    id = fields.BigIntField(primary_key=True)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "ehc.Department", related_name="doctors", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=64)
    title = fields.CharField(max_length=64, default="")
    specialty = fields.CharField(max_length=255, default="")
    active = fields.BooleanField(default=True)  # a retired doctor takes no new schedules

    class Meta:
        table = "doctor"
        unique_together = (("department", "code"),)


class Schedule(Model):
    """One doctor's session on one local date (morning, afternoon…) with its fee in fen."""

    id = fields.BigIntField(primary_key=True)
    doctor: fields.ForeignKeyRelation[Doctor] = fields.ForeignKeyField(
        "ehc.Doctor", related_name="schedules", on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "ehc.Department", related_name="schedules", on_delete=fields.CASCADE
    )
    date = fields.DateField()
    period = fields.CharField(max_length=16)
    fee = fields.IntField(default=0)
    room = fields.CharField(max_length=64, default="")
    status = fields.CharField(max_length=16, default="open")
    booking_opens_at = fields.DatetimeField()
    queue_seq = fields.IntField(default=0)  # last queue number given at check-in
    stopped_reason = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "schedule"
        unique_together = (("doctor", "date", "period"),)


class Slot(Model):
    """A time window of a schedule with its capacity and the places taken."""

    id = fields.BigIntField(primary_key=True)
    schedule: fields.ForeignKeyRelation[Schedule] = fields.ForeignKeyField(
        "ehc.Schedule", related_name="slots", on_delete=fields.CASCADE
    )
    start = fields.DatetimeField()
    end = fields.DatetimeField()
    capacity = fields.IntField()
    booked = fields.IntField(default=0)

    class Meta:
        table = "slot"


class Appointment(Model):
    """A card's booking of a slot, from the hold to the visit."""

    appointment_id = fields.CharField(max_length=24, primary_key=True)
    card_id = fields.CharField(max_length=64, db_index=True)
    user_id = fields.CharField(max_length=40, db_index=True)
    hospital_code = fields.CharField(max_length=32)
    schedule: fields.ForeignKeyRelation[Schedule] = fields.ForeignKeyField(
        "ehc.Schedule", related_name="appointments", on_delete=fields.RESTRICT
    )
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "ehc.Slot", related_name="appointments", on_delete=fields.RESTRICT
    )
    status = fields.CharField(max_length=16, db_index=True)
    fee = fields.IntField()
    pay_before = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    payment_id = fields.CharField(max_length=32, null=True)  # the payment that booked it
    # "<card>:<schedule>" while the booking is live, NULL after: unique, so one live booking
    # per card per schedule is a database guarantee.
    live_key = fields.CharField(max_length=96, null=True, unique=True)
    queue_number = fields.IntField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    called_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    reminded_24h = fields.BooleanField(default=False)
    reminded_2h = fields.BooleanField(default=False)
    cancel_reason = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "appointment"
