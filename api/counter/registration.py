"""Same-day registration (当日挂号) at a counter or kiosk: the patient's code is scanned and
verified (the one verification path), and a place is taken in today's schedule under the same
no-over-booking rule as online booking (``api.appointments.booking``).

The booking belongs to the resident who first bound the card, so it shows in their
mini-program and they are told about it; a card nobody holds in an app (issued at the counter)
books under the terminal (``account_of``: a bill charged at the counter belongs to them too)."""

from __future__ import annotations

from api.appointments import booking
from api.appointments.models import Appointment, Schedule
from api.audit import service as audit
from api.cards.models import CardBinding
from api.context import AppContext
from api.errors import DomainError, not_found
from api.principals import Caller
from api.terminals.models import Terminal
from api.terminals.service import terminal_of, verify_at_terminal
from api.timefmt import today


async def register_today(
    ctx: AppContext, caller: Caller, qr_text: str, schedule_id: int
) -> Appointment:
    """Register the patient whose code was scanned for today's ``schedule_id``: ``booked``, or
    ``pending_payment`` when the schedule has a fee (charge it at the counter)."""
    terminal = await terminal_of(ctx, caller)
    schedule = await Schedule.get_or_none(id=schedule_id).select_related("department__hospital")
    if schedule is None or schedule.department.hospital.code != terminal.institution_code:
        raise not_found("schedule")
    if schedule.date != today(schedule.department.hospital.timezone):
        raise DomainError("BOOKING_CLOSED", "只能挂当天的号 (same-day registration is for today)")
    card = (await verify_at_terminal(ctx, caller, qr_text, "registration", shows=False)).card
    user_id = await account_of(card.card_id, terminal)
    made = await booking.book_walk_in(ctx, card.card_id, user_id, schedule)
    loaded = await booking.load(made.appointment_id)
    assert loaded is not None
    return loaded


async def account_of(card_id: str, terminal: Terminal) -> str:
    """Whose counter work for this card is: the resident who first bound it, or the terminal
    when nobody holds it in an app."""
    holder = await CardBinding.filter(card_id=card_id).order_by("created_at").first()
    return holder.user_id if holder is not None else terminal.terminal_id[:40]


async def registration_of(ctx: AppContext, caller: Caller, appointment_id: str) -> Appointment:
    """A booking of the caller's institution (another hospital's is 404)."""
    terminal = await terminal_of(ctx, caller)
    appointment = await booking.load(appointment_id)
    if appointment is None or appointment.hospital_code != terminal.institution_code:
        raise not_found("appointment")
    return appointment


async def cancel_at_counter(ctx: AppContext, caller: Caller, appointment_id: str) -> Appointment:
    """退号: cancel a booking of this hospital before the visit; its place returns to the pool
    and what was paid for it, at the counter or online, goes back in full."""
    appointment = await registration_of(ctx, caller, appointment_id)
    if not await booking.cancel_registration(ctx, appointment, "cancelled at the counter"):
        raise DomainError("INVALID_STATE", f"a {appointment.status} booking cannot be cancelled")
    await audit.record(caller, "counter.registration_cancelled", target_type="appointment",
                       target_id=appointment_id)  # fmt: skip
    return appointment
