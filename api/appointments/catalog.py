"""The bookable catalogue: hospitals, departments, doctors, schedules and their slots (admin
writes, public reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.appointments import policy
from api.appointments.models import PERIODS, Department, Doctor, Hospital, Schedule, Slot
from api.errors import DomainError, not_found
from api.settings import Settings
from api.timefmt import zone


@dataclass(frozen=True)
class SlotSpec:
    """A slot to create: its window (zone-aware) and capacity."""

    start: datetime
    end: datetime
    capacity: int


def cut_slots(
    visit: date, start: time, end: time, minutes: int, capacity: int, tz: str
) -> list[SlotSpec]:
    """The whole ``minutes``-long slots between two local times of a day (nothing if none fit)."""
    if minutes <= 0:
        raise ValueError("slot_minutes must be positive")
    at = datetime.combine(visit, start, tzinfo=zone(tz))
    stop = datetime.combine(visit, end, tzinfo=zone(tz))
    step = timedelta(minutes=minutes)
    slots = []
    while at + step <= stop:
        slots.append(SlotSpec(at, at + step, capacity))
        at += step
    return slots


async def upsert_hospital(
    code: str, name: str, checkin_opens_minutes: int | None, timezone: str
) -> Hospital:
    """Create a hospital or update its name and check-in window."""
    hospital, _ = await Hospital.update_or_create(
        code=code,
        defaults={
            "name": name,
            "checkin_opens_minutes": checkin_opens_minutes,
            "timezone": timezone,
        },
    )
    return hospital


async def hospital_exists(code: str) -> bool:
    """Whether a hospital with this code is known."""
    return await Hospital.filter(code=code).exists()


async def hospital(code: str) -> Hospital:
    """A hospital, or 404."""
    found = await Hospital.get_or_none(code=code)
    if found is None:
        raise not_found("hospital")
    return found


async def upsert_department(hospital_code: str, code: str, name: str) -> Department:
    """Create a department (or rename it) in a hospital."""
    owner = await hospital(hospital_code)
    department, _ = await Department.update_or_create(
        hospital=owner, code=code, defaults={"name": name}
    )
    return department


async def upsert_doctor(
    department_id: int, code: str, name: str, title: str, specialty: str
) -> Doctor:
    """Create a doctor in a department (or update their name, title and specialty)."""
    department = await Department.get_or_none(id=department_id, active=True)
    if department is None:
        raise not_found("department")
    doctor, _ = await Doctor.update_or_create(
        department=department,
        code=code,
        defaults={"name": name, "title": title, "specialty": specialty},
    )
    return doctor


def _check_slots(slots: list[SlotSpec]) -> None:
    if not slots:
        raise DomainError("VALIDATION_ERROR", "a schedule needs at least one slot")
    for spec in slots:
        if spec.start.tzinfo is None or spec.end.tzinfo is None:
            raise DomainError("VALIDATION_ERROR", "slot times need a zone (e.g. +08:00)")
        if spec.end <= spec.start:
            raise DomainError("VALIDATION_ERROR", "a slot must end after it starts")
        if spec.capacity < 1:
            raise DomainError("VALIDATION_ERROR", "a slot's capacity must be at least 1")


async def create_schedule(
    settings: Settings,
    doctor_id: int,
    visit_date: date,
    period: str,
    fee: int,
    room: str,
    slots: list[SlotSpec],
) -> Schedule:
    """A schedule with its slots, bookable from the configured opening time."""
    if period not in PERIODS:
        raise DomainError("VALIDATION_ERROR", f"period must be one of {', '.join(PERIODS)}")
    if fee < 0:
        raise DomainError("VALIDATION_ERROR", "fee is in fen and cannot be negative")
    _check_slots(slots)
    doctor = await Doctor.get_or_none(id=doctor_id).select_related("department__hospital")
    if doctor is None:
        raise not_found("doctor")
    tz = doctor.department.hospital.timezone
    try:
        async with in_transaction():
            schedule = await Schedule.create(
                doctor=doctor,
                department_id=doctor.department_id,  # type: ignore[attr-defined]
                date=visit_date,
                period=period,
                fee=fee,
                room=room,
                booking_opens_at=policy.booking_opens_at(visit_date, tz, settings).astimezone(UTC),
            )
            await Slot.bulk_create(
                [
                    # Stored in UTC, like every instant: the embedded SQLite compares them as text
                    Slot(
                        schedule=schedule,
                        start=s.start.astimezone(UTC),
                        end=s.end.astimezone(UTC),
                        capacity=s.capacity,
                    )
                    for s in slots
                ]
            )
    except IntegrityError:
        raise DomainError(
            "CONFLICT", "this doctor already has a schedule for that date and period"
        ) from None
    return schedule


async def departments(hospital_code: str) -> list[Department]:
    """A hospital's departments, by name."""
    owner = await hospital(hospital_code)
    return await Department.filter(hospital=owner, active=True).order_by("code", "id")


async def schedules(department_id: int, visit_date: date) -> list[Schedule]:
    """Open schedules of a department on a date, with doctors and slots loaded."""
    return (
        await Schedule.filter(department_id=department_id, date=visit_date, status="open")
        .order_by("id")
        .prefetch_related("doctor", "slots", "department__hospital")
    )


async def schedule(schedule_id: int) -> Schedule:
    """One schedule, or 404."""
    found = await Schedule.get_or_none(id=schedule_id).prefetch_related(
        "doctor", "slots", "department__hospital"
    )
    if found is None:
        raise not_found("schedule")
    return found
