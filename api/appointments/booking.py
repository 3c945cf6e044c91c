"""Booking a slot, the hold until payment, cancelling, and the hooks payments call.

Over-booking is impossible by construction: the place is taken by a conditional update
(``booked < capacity``) and the booking row (unique live key per card and schedule) is written
in the same transaction. Redis only remembers that a slot is sold out, to refuse early.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from api import metrics
from api.appointments import policy
from api.appointments.models import Appointment, Schedule, Slot
from api.appointments.notices import notice
from api.cards import lifecycle
from api.cards.lifecycle import refuse_unusable
from api.cards.service import bound_card
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.principals import Caller
from api.timefmt import local, now

# What every appointment view needs. prefetch, not select: Tortoise's select_related mixes up
# columns when two paths share a prefix (schedule__doctor, schedule__department__hospital).
RELATED = ("slot", "schedule__doctor", "schedule__department__hospital")
SOLD_OUT_TTL = 5  # seconds Redis refuses a slot early after the database said it is full
SOLD_OUT_MEMO = 0.5  # seconds a worker remembers that Redis said so


def _sold_out_key(slot_id: int) -> str:
    return key("slot-full", f"slot:{slot_id}")


async def _refuse_sold_out(ctx: AppContext, slot_id: int) -> None:
    # In a rush most attempts find the slot full: refuse those early, from this worker's
    # memory (for a moment) or Redis. Neither can admit anyone: only the database does.
    memo = ("sold-out", slot_id)
    remembered = ctx.cache.get(memo)
    if remembered is not None and remembered > time.monotonic():
        raise DomainError("SLOT_FULL", "this slot is fully booked")
    if await ctx.kv.get(_sold_out_key(slot_id)):
        ctx.cache.put(memo, time.monotonic() + SOLD_OUT_MEMO)
        raise DomainError("SLOT_FULL", "this slot is fully booked")


async def _bookable_slot(ctx: AppContext, slot_id: int, at: datetime) -> Slot:
    slot = await Slot.get_or_none(id=slot_id).select_related("schedule__department__hospital")
    if slot is None:
        raise not_found("slot")
    schedule: Schedule = slot.schedule
    if schedule.status != "open":
        raise DomainError("SCHEDULE_STOPPED", "this schedule has been stopped")
    if at < schedule.booking_opens_at:
        raise DomainError(
            "BOOKING_NOT_OPEN",
            "booking for this day has not opened yet",
            details={
                "opens_at": local(
                    schedule.booking_opens_at, schedule.department.hospital.timezone
                ).isoformat()
            },
        )
    if at >= policy.booking_closes_at(slot.start, ctx.settings):
        raise DomainError("BOOKING_CLOSED", "this slot can no longer be booked")
    return slot


async def _refuse_suspended(ctx: AppContext, card_id: str, at: datetime) -> None:
    settings = ctx.settings
    window_start = at - timedelta(days=settings.noshow_window_days)
    missed = (
        await Appointment.filter(card_id=card_id, status="missed", finished_at__gte=window_start)
        .order_by("-finished_at")
        .limit(settings.noshow_limit)
        .values_list("finished_at", flat=True)
    )
    if len(missed) < settings.noshow_limit:
        return
    until = missed[0] + timedelta(days=settings.noshow_suspend_days)
    if at < until:
        raise DomainError(
            "BOOKING_SUSPENDED",
            f"booking is suspended after {settings.noshow_limit} missed visits",
            details={"until": until.isoformat()},
        )


async def book(ctx: AppContext, caller: Caller, card_id: str, slot_id: int) -> Appointment:
    """Book ``slot_id`` for one of the caller's cards.

    Paid schedules hold the place until ``pay_before``; free ones are booked at once. Every
    attempt is counted by outcome (``api.metrics.BOOKINGS``).
    """
    try:
        appointment = await _book(ctx, caller, card_id, slot_id)
    except Exception as exc:
        metrics.BOOKINGS.labels(metrics.outcome_of(exc)).inc()
        raise
    metrics.BOOKED.inc()
    return appointment


async def _book(ctx: AppContext, caller: Caller, card_id: str, slot_id: int) -> Appointment:
    at = now()
    await _refuse_sold_out(ctx, slot_id)
    card = await bound_card(caller, card_id)
    refuse_unusable(card.status)
    state = await lifecycle.current(ctx, card.card_id)
    if state is not None:
        lifecycle.refuse_barred(state)
    slot = await _bookable_slot(ctx, slot_id, at)
    await _refuse_suspended(ctx, card.card_id, at)
    return await _hold(ctx, card.card_id, caller.id, slot, at)


async def book_walk_in(
    ctx: AppContext, card_id: str, user_id: str, schedule: Schedule
) -> Appointment:
    """Same-day registration at a counter or kiosk (the card was verified there): the first
    slot of today's ``schedule`` that has not ended and has room, under the same rule as
    online booking (a place is taken only by the conditional update)."""
    at = now()
    if schedule.status != "open":
        raise DomainError("SCHEDULE_STOPPED", "this schedule has been stopped")
    await _refuse_suspended(ctx, card_id, at)
    candidates = await Slot.filter(
        schedule_id=schedule.id, end__gt=at, booked__lt=F("capacity")
    ).order_by("start")
    for slot in candidates:
        slot.schedule = schedule
        try:
            return await _hold(ctx, card_id, user_id, slot, at)
        except DomainError as exc:
            if exc.code != "SLOT_FULL":
                raise  # full meanwhile: try the next slot
    raise DomainError("SLOT_FULL", "today's slots of this schedule are fully booked")


async def _hold(
    ctx: AppContext, card_id: str, user_id: str, slot: Slot, at: datetime
) -> Appointment:
    """Take a place in ``slot`` (its schedule loaded with department and hospital) and write
    the booking, in one transaction."""
    schedule: Schedule = slot.schedule
    await schedule.fetch_related("doctor")  # for the notice; before the slot's lock, not under it
    paid = schedule.fee > 0
    try:
        async with in_transaction():
            taken = await Slot.filter(id=slot.id, booked__lt=F("capacity")).update(
                booked=F("booked") + 1
            )
            if not taken:
                raise DomainError("SLOT_FULL", "this slot is fully booked")
            appointment = await Appointment.create(
                appointment_id="AP" + secrets.token_hex(8).upper(),
                card_id=card_id,
                user_id=user_id,
                hospital_code=schedule.department.hospital.code,
                schedule=schedule,
                slot=slot,
                status="pending_payment" if paid else "booked",
                fee=schedule.fee,
                pay_before=policy.hold_expires_at(at, ctx.settings) if paid else None,
                live_key=f"{card_id}:{schedule.id}",
            )
            appointment.slot, appointment.schedule = slot, schedule
            await notice(ctx, appointment, "booking_held" if paid else "booking_confirmed")
    except IntegrityError:
        raise DomainError(
            "DUPLICATE_BOOKING", "this card already has a booking for this schedule"
        ) from None
    except DomainError as exc:
        if exc.code == "SLOT_FULL":
            await ctx.kv.set(_sold_out_key(slot.id), "1", SOLD_OUT_TTL)
        raise
    return appointment


async def _release(appointment: Appointment, status: str, **changes: object) -> bool:
    """Move a live booking to a final status and give its place back, exactly once."""
    moved = await Appointment.filter(
        appointment_id=appointment.appointment_id, status=appointment.status
    ).update(status=status, live_key=None, finished_at=now(), **changes)
    if moved:
        await Slot.filter(id=appointment.slot_id).update(  # type: ignore[attr-defined]
            booked=F("booked") - 1
        )
    return bool(moved)


async def load(appointment_id: str) -> Appointment | None:
    """An appointment with its slot, schedule, doctor and department loaded."""
    return await Appointment.get_or_none(appointment_id=appointment_id).prefetch_related(*RELATED)


async def mine(caller: Caller, appointment_id: str) -> Appointment:
    """One of the caller's appointments (anyone else's is 404)."""
    appointment = await load(appointment_id)
    if appointment is None or appointment.user_id != caller.id:
        raise not_found("appointment")
    return appointment


async def list_mine(caller: Caller) -> list[Appointment]:
    """The caller's appointments, newest first."""
    return (
        await Appointment.filter(user_id=caller.id)
        .order_by("-created_at")
        .limit(100)
        .prefetch_related(*RELATED)
    )


async def ahead_of(appointment: Appointment) -> int | None:
    """How many checked-in patients are before this one in its schedule's queue."""
    if appointment.status != "checked_in" or appointment.queue_number is None:
        return 0 if appointment.status == "called" else None
    return await Appointment.filter(
        schedule_id=appointment.schedule_id,  # type: ignore[attr-defined]
        status="checked_in",
        queue_number__lt=appointment.queue_number,
    ).count()


async def _refund(ctx: AppContext, appointment: Appointment, reason: str) -> None:
    if appointment.paid_at is not None:
        await ctx.refund_booking(ctx, appointment, reason)


async def cancel(ctx: AppContext, caller: Caller, appointment_id: str) -> Appointment:
    """The resident cancels before the cut-off; a paid booking is refunded to its origin."""
    appointment = await mine(caller, appointment_id)
    if appointment.status not in ("pending_payment", "booked"):
        raise DomainError("INVALID_STATE", f"a {appointment.status} booking cannot be cancelled")
    if now() >= policy.cancel_closes_at(appointment.slot.start, ctx.settings):
        raise DomainError("CANCEL_CLOSED", "it is too late to cancel this booking")
    async with in_transaction():
        if not await _release(appointment, "cancelled", cancel_reason="resident"):
            raise DomainError("INVALID_STATE", "the booking changed meanwhile; reload it")
        await notice(ctx, appointment, "cancelled")
    await ctx.kv.delete(_sold_out_key(appointment.slot_id))  # type: ignore[attr-defined]
    await _refund(ctx, appointment, "cancelled by the resident")
    appointment.status = "cancelled"
    return appointment


# What a hospital may still cancel: the patient has not been seen yet.
CANCELLABLE_BY_HOSPITAL = ("pending_payment", "booked", "checked_in")


async def cancel_registration(ctx: AppContext, appointment: Appointment, reason: str) -> bool:
    """The hospital cancels a registration before the visit (退号 at the counter, or the refund
    of its fee): the place goes back to the pool and a paid one is refunded in full. One
    cancelled already has only what is left of its money given back (a refund the platform
    refused before). Returns False, changing nothing, once the patient has been called."""
    if appointment.status in CANCELLABLE_BY_HOSPITAL:
        async with in_transaction():
            if not await _release(appointment, "cancelled", cancel_reason=reason[:255]):
                raise DomainError("INVALID_STATE", "the booking changed meanwhile; reload it")
            await notice(ctx, appointment, "cancelled")
        await ctx.kv.delete(_sold_out_key(appointment.slot_id))  # type: ignore[attr-defined]
        appointment.status = "cancelled"
    elif appointment.status != "cancelled":
        return False
    await _refund(ctx, appointment, reason)
    return True


async def mark_paid(ctx: AppContext, appointment_id: str, payment_id: str) -> bool:
    """Payments calls this when a booking's fee arrived: the hold becomes a booking.

    Returns False when the hold had already expired, been cancelled or been paid by another
    payment (payments then refunds this one).
    """
    async with in_transaction():
        moved = await Appointment.filter(
            appointment_id=appointment_id, status="pending_payment"
        ).update(status="booked", paid_at=now(), pay_before=None, payment_id=payment_id)
        if moved:
            appointment = await load(appointment_id)
            assert appointment is not None
            await notice(ctx, appointment, "booking_confirmed")
    return bool(moved)


async def expire_hold(ctx: AppContext, appointment: Appointment) -> bool:
    """An unpaid hold past ``pay_before``: expired, its place back in the pool."""
    async with in_transaction():
        released = await _release(appointment, "expired")
        if released:
            await notice(ctx, appointment, "hold_expired")
    if released:
        await ctx.kv.delete(_sold_out_key(appointment.slot_id))  # type: ignore[attr-defined]
    return released


async def stop_schedule(ctx: AppContext, schedule_id: int, reason: str) -> int:
    """Stop a schedule (the doctor is ill): every live booking is cancelled, told and, where
    paid, refunded. Returns how many bookings were cancelled."""
    schedule = await Schedule.get_or_none(id=schedule_id)
    if schedule is None:
        raise not_found("schedule")
    await Schedule.filter(id=schedule_id).update(status="stopped", stopped_reason=reason)
    live = await Appointment.filter(
        schedule_id=schedule_id, status__in=("pending_payment", "booked", "checked_in")
    ).prefetch_related(*RELATED)
    cancelled = 0
    for appointment in live:
        async with in_transaction():
            if not await _release(appointment, "cancelled", cancel_reason="schedule stopped"):
                continue
            await notice(ctx, appointment, "schedule_stopped", reason=reason)
        cancelled += 1
        await _refund(ctx, appointment, f"schedule stopped: {reason}")
    return cancelled
