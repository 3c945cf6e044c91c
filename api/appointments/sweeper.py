"""The sweeper: releases unpaid holds past ``pay_before``, marks no-shows, sends reminders.

It reads everything from the database, so holds that lapsed while the service was down are
released at the next start. Every change is a conditional update, so several workers sweeping
at once change each booking once and queue each notice once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from api.appointments import policy
from api.appointments.booking import RELATED, expire_hold
from api.appointments.models import Appointment
from api.appointments.notices import notice
from api.context import AppContext
from api.timefmt import now

log = logging.getLogger("ehc.sweeper")
BATCH = 500
REMINDER_FLAGS = ("reminded_24h", "reminded_2h")  # the first and second lead of the settings


async def expire_holds(ctx: AppContext) -> int:
    """Release every unpaid hold whose ``pay_before`` has passed."""
    lapsed = (
        await Appointment.filter(status="pending_payment", pay_before__lt=now())
        .prefetch_related(*RELATED)
        .limit(BATCH)
    )
    return sum([await expire_hold(ctx, appointment) for appointment in lapsed])


async def mark_missed(ctx: AppContext) -> int:
    """Bookings never checked in, their slot over (plus the grace): missed."""
    cutoff = policy.missed_if_ended_before(now(), ctx.settings)
    overdue = (
        await Appointment.filter(status="booked", slot__end__lt=cutoff)
        .prefetch_related(*RELATED)
        .limit(BATCH)
    )
    marked = 0
    for appointment in overdue:
        async with in_transaction():
            moved = await Appointment.filter(
                appointment_id=appointment.appointment_id, status="booked"
            ).update(status="missed", live_key=None, finished_at=now())
            if moved:
                await notice(ctx, appointment, "missed")
        marked += moved
    return marked


async def send_reminders(ctx: AppContext) -> int:
    """The reminders (24 h and 2 h before, by default), for bookings made before their window
    opened."""
    at, sent = now(), 0
    for flag, seconds in zip(REMINDER_FLAGS, ctx.settings.reminder_leads, strict=True):
        lead = timedelta(seconds=seconds)
        due = (
            await Appointment.filter(
                status="booked", slot__start__lte=at + lead, slot__start__gt=at, **{flag: False}
            )
            .prefetch_related(*RELATED)
            .limit(BATCH)
        )
        for appointment in due:
            async with in_transaction():
                claimed = await Appointment.filter(
                    appointment_id=appointment.appointment_id, **{flag: False}
                ).update(**{flag: True})
                # A booking made inside the window was just told everything: no reminder.
                if claimed and appointment.created_at <= appointment.slot.start - lead:
                    await notice(ctx, appointment, "visit_reminder", hours_before=seconds / 3600)
                    sent += 1
    return sent


async def sweep_once(ctx: AppContext) -> dict[str, int]:
    """One pass over holds, no-shows and reminders."""
    return {
        "expired": await expire_holds(ctx),
        "missed": await mark_missed(ctx),
        "reminded": await send_reminders(ctx),
    }


async def run(
    ctx: AppContext, others: Sequence[Callable[[AppContext], Awaitable[int]]] = ()
) -> None:
    """Sweep every ``sweep_seconds`` until cancelled (started by the app's lifespan), with
    ``others`` (e.g. closing stale payment orders) in the same pass."""
    while True:
        try:
            done = await sweep_once(ctx)
            for other in others:
                done[other.__module__] = await other(ctx)
            if any(done.values()):
                log.info("swept", extra={"fields": done})
        except asyncio.CancelledError:
            raise
        except Exception:  # a database blip must not end the sweeper
            log.exception("sweep failed")
        await asyncio.sleep(ctx.settings.sweep_seconds)
