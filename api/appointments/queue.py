"""At the hospital: check-in by QR scan (a queue number in check-in order per schedule) and
calling the next patient."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api.appointments import policy
from api.appointments.booking import ahead_of, load
from api.appointments.models import Appointment, Schedule
from api.appointments.notices import notice
from api.context import AppContext
from api.errors import DomainError, not_found
from api.principals import Caller
from api.terminals import service as terminals
from api.timefmt import now


async def _hospital_appointment(appointment_id: str, institution_code: str) -> Appointment:
    appointment = await load(appointment_id)
    if appointment is None or appointment.hospital_code != institution_code:
        raise not_found("appointment")  # another hospital's bookings are not ours to see
    return appointment


def _refuse_outside_window(appointment: Appointment) -> None:
    at = now()
    hospital = appointment.schedule.department.hospital
    opens = policy.checkin_opens_at(appointment.slot.start, hospital.checkin_opens_minutes)
    if (opens is not None and at < opens) or at > appointment.slot.end:
        raise DomainError(
            "CHECKIN_CLOSED",
            "check-in is not open for this booking now",
            details={"opens_at": opens.isoformat() if opens else None},
        )


async def check_in(
    ctx: AppContext, caller: Caller, qr: str, appointment_id: str
) -> tuple[Appointment, int]:
    """Verify the patient's code (the one verification path) and check their booking in.

    Returns the appointment and how many are ahead of it in the queue.
    """
    terminal = await terminals.terminal_of(ctx, caller)
    appointment = await _hospital_appointment(appointment_id, terminal.institution_code)
    if appointment.status == "pending_payment":
        raise DomainError("NOT_PAID", "this booking has not been paid yet")
    if appointment.status != "booked":
        raise DomainError("INVALID_STATE", f"a {appointment.status} booking cannot check in")
    _refuse_outside_window(appointment)
    verified = await terminals.verify_at_terminal(ctx, caller, qr, "checkin", shows=False)
    card = verified.card
    if card.card_id != appointment.card_id:
        raise DomainError("CARD_MISMATCH", "this code belongs to another card than the booking")
    async with in_transaction():
        schedule = await Schedule.select_for_update().get(id=appointment.schedule_id)  # type: ignore[attr-defined]
        number = schedule.queue_seq + 1
        moved = await Appointment.filter(
            appointment_id=appointment.appointment_id, status="booked"
        ).update(status="checked_in", queue_number=number, checked_in_at=now())
        if not moved:
            raise DomainError("INVALID_STATE", "the booking changed meanwhile; reload it")
        await Schedule.filter(id=schedule.id).update(queue_seq=number)
        appointment.status, appointment.queue_number = "checked_in", number
        await notice(ctx, appointment, "checked_in", queue_number=number)
    return appointment, await ahead_of(appointment)


async def call_next(ctx: AppContext, caller: Caller, schedule_id: int) -> Appointment:
    """Call the first checked-in patient of a schedule; the one called before is done."""
    terminal = await terminals.terminal_of(ctx, caller)
    schedule = await Schedule.get_or_none(id=schedule_id).select_related("department__hospital")
    if schedule is None or schedule.department.hospital.code != terminal.institution_code:
        raise not_found("schedule")
    async with in_transaction():
        await Schedule.select_for_update().get(id=schedule_id)  # one caller at a time
        await Appointment.filter(schedule_id=schedule_id, status="called").update(
            status="completed", finished_at=now()
        )
        following = (
            await Appointment.filter(schedule_id=schedule_id, status="checked_in")
            .order_by("queue_number")
            .first()
        )
        if following is not None:
            await Appointment.filter(appointment_id=following.appointment_id).update(
                status="called", called_at=now()
            )
            called = await load(following.appointment_id)
            assert called is not None
            await notice(ctx, called, "called", queue_number=called.queue_number)
    if following is None:
        raise DomainError("QUEUE_EMPTY", "nobody is waiting in this queue")
    return called
