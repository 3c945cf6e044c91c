"""The card centre's changes to the catalogue (hospitals, departments, doctors, schedules), each
recorded in the audit trail as the acting admin's."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.appointments import booking, catalog, importer
from api.appointments.catalog import SlotSpec
from api.appointments.models import Department, Doctor, Hospital, Schedule
from api.audit import service as audit
from api.context import AppContext
from api.principals import Caller


async def put_hospital(
    actor: Caller, code: str, name: str, checkin_opens_minutes: int | None, timezone: str
) -> Hospital:
    """Create or update a hospital."""
    made = await catalog.upsert_hospital(code, name, checkin_opens_minutes, timezone)
    await audit.record(actor, "hospital.upsert", target_type="hospital", target_id=made.code)
    return made


async def put_department(actor: Caller, hospital_code: str, code: str, name: str) -> Department:
    """Create or rename a department of a hospital."""
    made = await catalog.upsert_department(hospital_code, code, name)
    await audit.record(actor, "department.upsert", target_type="department", target_id=str(made.id))
    return made


async def put_doctor(
    actor: Caller, department_id: int, code: str, name: str, title: str, specialty: str
) -> Doctor:
    """Create or update a doctor of a department."""
    made = await catalog.upsert_doctor(department_id, code, name, title, specialty)
    await audit.record(actor, "doctor.upsert", target_type="doctor", target_id=str(made.id))
    return made


async def add_schedule(
    ctx: AppContext, actor: Caller, doctor_id: int, visit_date: date, period: str, fee: int,
    room: str, slots: list[SlotSpec],
) -> Schedule:  # fmt: skip
    """Create a schedule and its slots; returns it with its doctor and slots loaded."""
    made = await catalog.create_schedule(
        ctx.settings, doctor_id, visit_date, period, fee, room, slots
    )
    await audit.record(actor, "schedule.create", target_type="schedule", target_id=str(made.id))
    return await catalog.schedule(made.id)


async def import_schedules(
    ctx: AppContext, actor: Caller, rows: list[dict[str, Any]]
) -> tuple[int, list[importer.Problem]]:
    """Create many schedules at once; bad rows are reported with their line, good rows kept."""
    created, problems = await importer.import_rows(ctx.settings, importer.numbered(rows))
    await audit.record(
        actor, "schedule.import", detail={"created": created, "problems": len(problems)}
    )
    return created, problems


async def stop_schedule(ctx: AppContext, actor: Caller, schedule_id: int, reason: str) -> int:
    """Stop a schedule (the doctor is ill): its patients are told and refunded; returns how
    many bookings were cancelled."""
    cancelled = await booking.stop_schedule(ctx, schedule_id, reason)
    await audit.record(
        actor, "schedule.stop", target_type="schedule", target_id=str(schedule_id),
        detail={"reason": reason},
    )  # fmt: skip
    return cancelled
