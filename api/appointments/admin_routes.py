"""The card centre's door of appointments: the catalogue of hospitals, departments, doctors
and schedules."""

from __future__ import annotations

from api.appointments import administration
from api.appointments.catalog import SlotSpec
from api.appointments.schemas import (
    DepartmentCreate,
    DepartmentOut,
    DoctorCreate,
    DoctorOut,
    HospitalCreate,
    HospitalOut,
    ImportProblem,
    ImportReport,
    ImportRows,
    ScheduleCreate,
    ScheduleOut,
    StopOut,
    StopRequest,
)
from api.appointments.views import department_out, doctor_out, schedule_out
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


async def create_hospital(request: Request, body: HospitalCreate) -> HospitalOut:
    """Create or update a hospital."""
    made = await administration.put_hospital(
        caller_of(request), body.code, body.name, body.checkin_opens_minutes, body.timezone
    )
    return HospitalOut.model_validate(made)


async def create_department(request: Request, body: DepartmentCreate) -> DepartmentOut:
    """Create or rename a department of a hospital."""
    made = await administration.put_department(
        caller_of(request), request.path_params["hospital_code"], body.code, body.name
    )
    return department_out(made)


async def create_doctor(request: Request, body: DoctorCreate) -> DoctorOut:
    """Create or update a doctor of a department."""
    made = await administration.put_doctor(
        caller_of(request), path_int(request, "department_id"), body.code, body.name,
        body.title, body.specialty,
    )  # fmt: skip
    return doctor_out(made)


async def create_schedule(request: Request, body: ScheduleCreate) -> ScheduleOut:
    """Create a schedule and its slots."""
    made = await administration.add_schedule(
        ctx_of(request), caller_of(request), body.doctor_id, body.date, body.period, body.fee,
        body.room, [SlotSpec(s.start, s.end, s.capacity) for s in body.slots],
    )  # fmt: skip
    return schedule_out(made)


async def import_schedules(request: Request, body: ImportRows) -> ImportReport:
    """Create many schedules at once; bad rows are reported, good rows kept."""
    created, problems = await administration.import_schedules(
        ctx_of(request), caller_of(request), body.rows
    )
    return ImportReport(
        created=created, problems=[ImportProblem(line=p.line, reason=p.reason) for p in problems]
    )


async def stop_schedule(request: Request, body: StopRequest) -> StopOut:
    """Stop a schedule (the doctor is ill): its patients are told and refunded."""
    schedule_id = path_int(request, "schedule_id")
    cancelled = await administration.stop_schedule(
        ctx_of(request), caller_of(request), schedule_id, body.reason
    )
    return StopOut(schedule_id=schedule_id, status="stopped", cancelled=cancelled)


routes = [
    admin_route("POST", "/api/v1/admin/hospitals", create_hospital, body=HospitalCreate,
                response=HospitalOut, status=201),
    admin_route("POST", "/api/v1/admin/hospitals/{hospital_code}/departments", create_department,
                body=DepartmentCreate, response=DepartmentOut, status=201),
    admin_route("POST", "/api/v1/admin/departments/{department_id}/doctors", create_doctor,
                body=DoctorCreate, response=DoctorOut, status=201),
    admin_route("POST", "/api/v1/admin/schedules", create_schedule, body=ScheduleCreate,
                response=ScheduleOut, status=201,
                errors=["CONFLICT", "NOT_FOUND", "VALIDATION_ERROR"]),
    admin_route("POST", "/api/v1/admin/schedules/import", import_schedules, body=ImportRows,
                response=ImportReport),
    admin_route("POST", "/api/v1/admin/schedules/{schedule_id}/stop", stop_schedule,
                body=StopRequest, response=StopOut, errors=["NOT_FOUND"]),
]  # fmt: skip
