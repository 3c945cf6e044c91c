"""The card centre's changes to the catalogue (hospitals, departments, doctors, schedules), each
recorded in the audit trail as the acting admin's."""

from __future__ import annotations

from datetime import date
from typing import Any

from api import policy
from api.appointments import booking, catalog, importer
from api.appointments.catalog import SlotSpec
from api.appointments.models import (
    ACTIVE_STATUSES,
    Appointment,
    Department,
    Doctor,
    Hospital,
    Schedule,
)
from api.audit import service as audit
from api.context import AppContext
from api.errors import DomainError, not_found
from api.institutions import service as institutions
from api.principals import Caller


async def _check_hospital(actor: Caller, action: str, code: str) -> None:
    policy.require(actor, action)
    policy.check(actor, action, await institutions.place_of(code), "hospital")


async def _department(actor: Caller, action: str, department_id: int) -> Department:
    policy.require(actor, action)
    found = await Department.get_or_none(id=department_id)
    if found is None:
        raise not_found("department")
    await _check_hospital(actor, action, found.hospital_id)  # type: ignore[attr-defined]
    return found


async def _doctor(actor: Caller, action: str, doctor_id: int) -> Doctor:
    policy.require(actor, action)
    found = await Doctor.get_or_none(id=doctor_id).select_related("department")
    if found is None:
        raise not_found("doctor")
    await _check_hospital(actor, action, found.department.hospital_id)  # type: ignore[attr-defined]
    return found


async def _schedule(actor: Caller, action: str, schedule_id: int) -> Schedule:
    policy.require(actor, action)
    found = await Schedule.get_or_none(id=schedule_id).select_related("department")
    if found is None:
        raise not_found("schedule")
    await _check_hospital(actor, action, found.department.hospital_id)  # type: ignore[attr-defined]
    return found


async def put_hospital(
    actor: Caller,
    code: str,
    name: str,
    checkin_opens_minutes: int | None,
    timezone: str,
    region_code: str | None = None,
) -> Hospital:
    """Create or update a hospital; a new one is registered as an institution of kind
    ``hospital`` too (in ``region_code`` when given)."""
    exists = await catalog.hospital_exists(code)
    action = "catalogue.manage" if exists else "institution.create"
    await institutions.check_hospital(actor, action, code, region_code)
    await institutions.register_hospital(actor, code, name, region_code)
    made = await catalog.upsert_hospital(code, name, checkin_opens_minutes, timezone)
    await audit.record(actor, "hospital.upsert", target_type="hospital", target_id=made.code)
    return made


async def put_department(actor: Caller, hospital_code: str, code: str, name: str) -> Department:
    """Create or rename a department of a hospital."""
    await _check_hospital(actor, "catalogue.manage", hospital_code)
    made = await catalog.upsert_department(hospital_code, code, name)
    await audit.record(actor, "department.upsert", target_type="department", target_id=str(made.id))
    return made


async def put_doctor(
    actor: Caller, department_id: int, code: str, name: str, title: str, specialty: str
) -> Doctor:
    """Create or update a doctor of a department."""
    await _department(actor, "catalogue.manage", department_id)
    made = await catalog.upsert_doctor(department_id, code, name, title, specialty)
    await audit.record(actor, "doctor.upsert", target_type="doctor", target_id=str(made.id))
    return made


async def add_schedule(
    ctx: AppContext, actor: Caller, doctor_id: int, visit_date: date, period: str, fee: int,
    room: str, slots: list[SlotSpec],
) -> Schedule:  # fmt: skip
    """Create a schedule and its slots; returns it with its doctor and slots loaded."""
    doctor = await _doctor(actor, "catalogue.manage", doctor_id)
    if not doctor.active or not doctor.department.active:
        raise DomainError("INVALID_STATE", "this doctor or department is retired")
    made = await catalog.create_schedule(
        ctx.settings, doctor_id, visit_date, period, fee, room, slots
    )
    await audit.record(actor, "schedule.create", target_type="schedule", target_id=str(made.id))
    return await catalog.schedule(made.id)


async def import_schedules(
    ctx: AppContext, actor: Caller, rows: list[dict[str, Any]]
) -> tuple[int, list[importer.Problem]]:
    """Create many schedules at once; bad rows are reported with their line, good rows kept.
    Every row's hospital must lie inside the actor's reach."""
    codes = await institutions.codes_within(policy.require(actor, "catalogue.manage"))
    if codes is not None and any(str(r.get("hospital_code")) not in codes for r in rows):
        raise not_found("hospital")
    created, problems = await importer.import_rows(ctx.settings, importer.numbered(rows))
    await audit.record(
        actor, "schedule.import", detail={"created": created, "problems": len(problems)}
    )
    return created, problems


async def stop_schedule(ctx: AppContext, actor: Caller, schedule_id: int, reason: str) -> int:
    """Stop a schedule (the doctor is ill): its patients are told and refunded; returns how
    many bookings were cancelled."""
    await _schedule(actor, "catalogue.manage", schedule_id)
    cancelled = await booking.stop_schedule(ctx, schedule_id, reason)
    await audit.record(
        actor, "schedule.stop", target_type="schedule", target_id=str(schedule_id),
        detail={"reason": reason},
    )  # fmt: skip
    return cancelled


# Listing, changing and retiring the catalogue (a retired department or doctor takes no new
# schedules and leaves the residents' lists; its past schedules and bookings stay).


async def hospitals(actor: Caller) -> list[Hospital]:
    """The hospitals inside the actor's reach."""
    codes = await institutions.codes_within(policy.require(actor, "catalogue.read"))
    query = Hospital.all() if codes is None else Hospital.filter(code__in=sorted(codes))
    return await query.order_by("code")


async def departments(actor: Caller, hospital_code: str) -> list[Department]:
    """A hospital's departments, retired ones included."""
    await _check_hospital(actor, "catalogue.read", hospital_code)
    return await Department.filter(hospital_id=hospital_code).order_by("code", "id")


async def doctors(actor: Caller, department_id: int) -> list[Doctor]:
    """A department's doctors, retired ones included."""
    await _department(actor, "catalogue.read", department_id)
    return await Doctor.filter(department_id=department_id).order_by("code", "id")


async def schedules(actor: Caller, hospital_code: str, day: date | None) -> list[Schedule]:
    """A hospital's schedules (of one day, when given), with doctors and slots."""
    await _check_hospital(actor, "catalogue.read", hospital_code)
    query = Schedule.filter(department__hospital_id=hospital_code)
    if day is not None:
        query = query.filter(date=day)
    return (
        await query.order_by("date", "id")
        .limit(500)
        .prefetch_related("doctor", "slots", "department__hospital")
    )


async def update_department(actor: Caller, department_id: int, name: str) -> Department:
    """Rename a department."""
    found = await _department(actor, "catalogue.manage", department_id)
    await Department.filter(id=found.id).update(name=name)
    await audit.record(actor, "department.update", target_type="department",
                       target_id=str(found.id))  # fmt: skip
    await found.refresh_from_db()
    return found


async def retire_department(actor: Caller, department_id: int) -> Department:
    """Retire a department (and its doctors): no new schedules, gone from residents' lists."""
    found = await _department(actor, "catalogue.manage", department_id)
    await Department.filter(id=found.id).update(active=False)
    await Doctor.filter(department_id=found.id).update(active=False)
    await audit.record(actor, "department.retire", target_type="department",
                       target_id=str(found.id))  # fmt: skip
    await found.refresh_from_db()
    return found


async def update_doctor(actor: Caller, doctor_id: int, changes: dict[str, Any]) -> Doctor:
    """Change a doctor's name, title or specialty."""
    found = await _doctor(actor, "catalogue.manage", doctor_id)
    if changes:
        await Doctor.filter(id=found.id).update(**changes)
        await audit.record(actor, "doctor.update", target_type="doctor", target_id=str(found.id),
                           detail={"fields": sorted(changes)})  # fmt: skip
    await found.refresh_from_db()
    return found


async def retire_doctor(actor: Caller, doctor_id: int) -> Doctor:
    """Retire a doctor: no new schedules (their open ones are stopped one by one, by hand)."""
    found = await _doctor(actor, "catalogue.manage", doctor_id)
    await Doctor.filter(id=found.id).update(active=False)
    await audit.record(actor, "doctor.retire", target_type="doctor", target_id=str(found.id))
    await found.refresh_from_db()
    return found


async def update_schedule(actor: Caller, schedule_id: int, changes: dict[str, Any]) -> Schedule:
    """Change a schedule's room, or its fee while nobody has booked it."""
    found = await _schedule(actor, "catalogue.manage", schedule_id)
    if "fee" in changes and await Appointment.exists(
        schedule_id=schedule_id, status__in=ACTIVE_STATUSES
    ):
        raise DomainError("INVALID_STATE", "the fee of a booked schedule cannot change")
    if changes:
        await Schedule.filter(id=found.id).update(**changes)
        await audit.record(actor, "schedule.update", target_type="schedule",
                           target_id=str(found.id), detail={"fields": sorted(changes)})  # fmt: skip
    return await catalog.schedule(found.id)
