"""Hospitals and schedules (public), appointments (residents), check-in and calling
(terminals), and the catalogue (admins)."""

from __future__ import annotations

from api.appointments import booking, catalog, importer, queue
from api.appointments.catalog import SlotSpec
from api.appointments.schemas import (
    AppointmentList,
    AppointmentOut,
    BookRequest,
    CheckinOut,
    CheckinRequest,
    DepartmentCreate,
    DepartmentList,
    DepartmentOut,
    DoctorCreate,
    DoctorOut,
    HospitalCreate,
    HospitalOut,
    ImportProblem,
    ImportReport,
    ImportRows,
    QueueNextRequest,
    ScheduleCreate,
    ScheduleList,
    ScheduleOut,
    ScheduleQuery,
    StopOut,
    StopRequest,
)
from api.appointments.views import (
    appointment_out,
    department_out,
    doctor_out,
    schedule_out,
)
from api.audit import service as audit
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route
from api.web.http import Request

ADMIN = ("admin",)
RESIDENT = ("resident",)
BOOK_ERRORS = [
    "SLOT_FULL", "DUPLICATE_BOOKING", "BOOKING_NOT_OPEN", "BOOKING_CLOSED", "BOOKING_SUSPENDED",
    "SCHEDULE_STOPPED", "CARD_LOST", "CARD_FROZEN", "CARD_CANCELLED", "NOT_FOUND",
]  # fmt: skip


async def list_departments(request: Request) -> DepartmentList:
    """A hospital's departments (public)."""
    found = await catalog.departments(request.path_params["hospital_code"])
    return DepartmentList(departments=[department_out(d) for d in found])


async def list_schedules(request: Request, query: ScheduleQuery) -> ScheduleList:
    """A department's open schedules on a date, with the places left in each slot (public)."""
    found = await catalog.schedules(query.department_id, query.date)
    return ScheduleList(schedules=[schedule_out(s) for s in found])


async def book(request: Request, body: BookRequest) -> AppointmentOut:
    """Book a slot for one of your cards; a paid one is held until ``pay_before``."""
    made = await booking.book(ctx_of(request), caller_of(request), body.card_id, body.slot_id)
    loaded = await booking.load(made.appointment_id)
    assert loaded is not None
    return await appointment_out(loaded)


async def list_appointments(request: Request) -> AppointmentList:
    """Your appointments, newest first."""
    found = await booking.list_mine(caller_of(request))
    return AppointmentList(appointments=[await appointment_out(a) for a in found])


async def get_appointment(request: Request) -> AppointmentOut:
    """One of your appointments, with your place in the queue once checked in."""
    found = await booking.mine(caller_of(request), request.path_params["appointment_id"])
    return await appointment_out(found)


async def cancel_appointment(request: Request) -> AppointmentOut:
    """Cancel before the cut-off; a paid booking is refunded to where the money came from."""
    ctx, caller = ctx_of(request), caller_of(request)
    await booking.cancel(ctx, caller, request.path_params["appointment_id"])
    return await appointment_out(await booking.mine(caller, request.path_params["appointment_id"]))


async def checkin(request: Request, body: CheckinRequest) -> CheckinOut:
    """(Terminals) check a booked patient in by their health-card code: a queue number."""
    appointment, ahead = await queue.check_in(
        ctx_of(request), caller_of(request), body.qr, body.appointment_id
    )
    assert appointment.queue_number is not None
    return CheckinOut(
        appointment_id=appointment.appointment_id,
        queue_number=appointment.queue_number,
        ahead=ahead,
    )


async def queue_next(request: Request, body: QueueNextRequest) -> AppointmentOut:
    """(Terminals) call the next checked-in patient of a schedule."""
    called = await queue.call_next(ctx_of(request), caller_of(request), body.schedule_id)
    return await appointment_out(called)


async def create_hospital(request: Request, body: HospitalCreate) -> HospitalOut:
    """Create or update a hospital."""
    made = await catalog.upsert_hospital(
        body.code, body.name, body.checkin_opens_minutes, body.timezone
    )
    await audit.record(
        caller_of(request), "hospital.upsert", target_type="hospital", target_id=made.code
    )
    return HospitalOut.model_validate(made)


async def create_department(request: Request, body: DepartmentCreate) -> DepartmentOut:
    """Create or rename a department of a hospital."""
    made = await catalog.upsert_department(
        request.path_params["hospital_code"], body.code, body.name
    )
    await audit.record(
        caller_of(request), "department.upsert", target_type="department", target_id=str(made.id)
    )
    return department_out(made)


async def create_doctor(request: Request, body: DoctorCreate) -> DoctorOut:
    """Create or update a doctor of a department."""
    made = await catalog.upsert_doctor(
        path_int(request, "department_id"), body.code, body.name, body.title, body.specialty
    )
    await audit.record(
        caller_of(request), "doctor.upsert", target_type="doctor", target_id=str(made.id)
    )
    return doctor_out(made)


async def create_schedule(request: Request, body: ScheduleCreate) -> ScheduleOut:
    """Create a schedule and its slots."""
    ctx = ctx_of(request)
    made = await catalog.create_schedule(
        ctx.settings, body.doctor_id, body.date, body.period, body.fee, body.room,
        [SlotSpec(s.start, s.end, s.capacity) for s in body.slots],
    )  # fmt: skip
    await audit.record(
        caller_of(request), "schedule.create", target_type="schedule", target_id=str(made.id)
    )
    full = await catalog.schedule(made.id)
    return schedule_out(full)


async def import_schedules(request: Request, body: ImportRows) -> ImportReport:
    """Create many schedules at once; bad rows are reported, good rows kept."""
    ctx = ctx_of(request)
    created, problems = await importer.import_rows(ctx.settings, importer.numbered(body.rows))
    await audit.record(
        caller_of(request),
        "schedule.import",
        detail={"created": created, "problems": len(problems)},
    )
    return ImportReport(
        created=created, problems=[ImportProblem(line=p.line, reason=p.reason) for p in problems]
    )


async def stop_schedule(request: Request, body: StopRequest) -> StopOut:
    """Stop a schedule (the doctor is ill): its patients are told and refunded."""
    schedule_id = path_int(request, "schedule_id")
    cancelled = await booking.stop_schedule(ctx_of(request), schedule_id, body.reason)
    await audit.record(
        caller_of(request),
        "schedule.stop",
        target_type="schedule",
        target_id=str(schedule_id),
        detail={"reason": body.reason},
    )
    return StopOut(schedule_id=schedule_id, status="stopped", cancelled=cancelled)


APPOINTMENT = "/api/v1/appointments/{appointment_id}"

routes = [
    api_route("GET", "/api/v1/hospitals/{hospital_code}/departments", list_departments,
              response=DepartmentList, tags=["appointments"], errors=["NOT_FOUND"]),
    api_route("GET", "/api/v1/schedules", list_schedules, query=ScheduleQuery,
              response=ScheduleList, tags=["appointments"]),
    api_route("POST", "/api/v1/appointments", book, body=BookRequest, response=AppointmentOut,
              status=201, auth=RESIDENT, tags=["appointments"], errors=BOOK_ERRORS),
    api_route("GET", "/api/v1/appointments", list_appointments, response=AppointmentList,
              auth=RESIDENT, tags=["appointments"]),
    api_route("GET", APPOINTMENT, get_appointment, response=AppointmentOut, auth=RESIDENT,
              tags=["appointments"], errors=["NOT_FOUND"]),
    api_route("POST", APPOINTMENT + "/cancel", cancel_appointment, response=AppointmentOut,
              auth=RESIDENT, tags=["appointments"],
              errors=["CANCEL_CLOSED", "INVALID_STATE", "NOT_FOUND"]),
    api_route("POST", "/api/v1/pos/checkin", checkin, body=CheckinRequest, response=CheckinOut,
              auth=("client",), scope="pos", tags=["terminals"],
              errors=["CHECKIN_CLOSED", "NOT_PAID", "CARD_MISMATCH", "INVALID_STATE", "NOT_FOUND",
                      "QR_MALFORMED", "QR_FORGED", "QR_EXPIRED", "QR_REPLAYED", "CARD_LOST"]),
    api_route("POST", "/api/v1/pos/queue/next", queue_next, body=QueueNextRequest,
              response=AppointmentOut, auth=("client",), scope="pos", tags=["terminals"],
              errors=["QUEUE_EMPTY", "NOT_FOUND"]),
    api_route("POST", "/api/v1/admin/hospitals", create_hospital, body=HospitalCreate,
              response=HospitalOut, status=201, auth=ADMIN, tags=["admin"]),
    api_route("POST", "/api/v1/admin/hospitals/{hospital_code}/departments", create_department,
              body=DepartmentCreate, response=DepartmentOut, status=201, auth=ADMIN,
              tags=["admin"]),
    api_route("POST", "/api/v1/admin/departments/{department_id}/doctors", create_doctor,
              body=DoctorCreate, response=DoctorOut, status=201, auth=ADMIN, tags=["admin"]),
    api_route("POST", "/api/v1/admin/schedules", create_schedule, body=ScheduleCreate,
              response=ScheduleOut, status=201, auth=ADMIN, tags=["admin"],
              errors=["CONFLICT", "NOT_FOUND", "VALIDATION_ERROR"]),
    api_route("POST", "/api/v1/admin/schedules/import", import_schedules, body=ImportRows,
              response=ImportReport, auth=ADMIN, tags=["admin"]),
    api_route("POST", "/api/v1/admin/schedules/{schedule_id}/stop", stop_schedule,
              body=StopRequest, response=StopOut, auth=ADMIN, tags=["admin"],
              errors=["NOT_FOUND"]),
]  # fmt: skip
