"""The sweep: orders nobody will pay are closed (their booking is no longer waiting, or they are
older than the hold), an order paid meanwhile is confirmed instead (and refunded if too late),
and insurance refunds and revokes still unconfirmed are repeated."""

from __future__ import annotations

from datetime import timedelta

from api.appointments.models import Appointment
from api.context import AppContext
from api.errors import DomainError
from api.payments.confirmation import confirm_paid
from api.payments.gateways.base import PlatformRefusal, Refusal
from api.payments.gateways.registry import gateway_for
from api.payments.insurance import flow as insurance_flow
from api.payments.insurance import settlements as insurance_settlements
from api.payments.models import Payment
from api.timefmt import now

BATCH = 200


async def sweep(ctx: AppContext) -> int:
    """Close orders nobody will pay; returns how many were closed."""
    stale_before = now() - timedelta(seconds=ctx.settings.pay_seconds + 60)
    open_orders = await Payment.filter(status="created").limit(BATCH)
    waiting = set(
        await Appointment.filter(
            appointment_id__in=[p.appointment_id for p in open_orders], status="pending_payment"
        ).values_list("appointment_id", flat=True)
    )
    closed = 0
    for payment in open_orders:
        waits = payment.appointment_id in waiting or bool(payment.bill_id)
        if waits and payment.created_at > stale_before:
            continue
        if payment.method == insurance_flow.INSURANCE_ONLY:
            await insurance_settlements.release(ctx, payment)  # nothing at WeChat/Alipay to close
            continue
        if await _closed_at_platform(ctx, payment):
            moved = await Payment.filter(payment_id=payment.payment_id, status="created").update(
                status="closed", closed_at=now()
            )
            if moved:
                await insurance_settlements.release(ctx, payment)  # revokes its pre-settlement
            closed += moved
    await insurance_settlements.retry_unfinished(ctx)
    return closed


async def _closed_at_platform(ctx: AppContext, payment: Payment) -> bool:
    """Close the order at the platform; True when it is closed (or the platform never had it).
    One paid meanwhile is confirmed instead; a platform that is down is tried next time."""
    try:
        gateway = await gateway_for(ctx, payment.method, payment.app_id)
        state = await gateway.query(payment.payment_id)
        if state.paid:
            await confirm_paid(ctx, payment, state)
            return False
        if not state.closed:
            await gateway.close(payment.payment_id)
    except PlatformRefusal as exc:
        if exc.refusal is Refusal.ALREADY_PAID:
            await confirm_paid(ctx, payment)
            return False
        return exc.refusal is Refusal.NOT_FOUND
    except DomainError:
        return False  # the platform is down (or gone from the app): try at the next sweep
    return True
