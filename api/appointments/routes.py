"""The residents' door of appointments: hospitals and schedules (public, like a hospital's
website) and a resident's own bookings."""

from __future__ import annotations

from api.appointments import booking, catalog
from api.appointments.schemas import (
    AppointmentList,
    AppointmentOut,
    BookRequest,
    DepartmentList,
    ScheduleList,
    ScheduleQuery,
)
from api.appointments.views import appointment_out, department_out, schedule_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route, resident_route
from api.web.http import Request

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


APPOINTMENT = "/api/v1/appointments/{appointment_id}"

routes = [
    api_route("GET", "/api/v1/hospitals/{hospital_code}/departments", list_departments,
              response=DepartmentList, tags=["appointments"], errors=["NOT_FOUND"]),
    api_route("GET", "/api/v1/schedules", list_schedules, query=ScheduleQuery,
              response=ScheduleList, tags=["appointments"]),
    resident_route("POST", "/api/v1/appointments", book, body=BookRequest,
                   response=AppointmentOut, status=201, tags=["appointments"],
                   errors=BOOK_ERRORS),
    resident_route("GET", "/api/v1/appointments", list_appointments, response=AppointmentList,
                   tags=["appointments"]),
    resident_route("GET", APPOINTMENT, get_appointment, response=AppointmentOut,
                   tags=["appointments"], errors=["NOT_FOUND"]),
    resident_route("POST", APPOINTMENT + "/cancel", cancel_appointment,
                   response=AppointmentOut, tags=["appointments"],
                   errors=["CANCEL_CLOSED", "INVALID_STATE", "NOT_FOUND"]),
]  # fmt: skip
