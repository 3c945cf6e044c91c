"""Money going back: partial refunds that add up to at most what was paid, and the whole of a
payment (self-pay and insurance parts) when its booking will not happen.

The amount is reserved on the payment before the platform is asked (so two refunds cannot both
take the last fen) and released again if the platform refuses: a refused refund leaves the
refundable amount as it was."""

from __future__ import annotations

import logging

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from api.appointments.models import Appointment
from api.context import AppContext
from api.errors import DomainError
from api.outbox.service import enqueue
from api.payments.gateways.base import PlatformRefusal
from api.payments.gateways.registry import gateway_for
from api.payments.insurance import settlements as insurance_settlements
from api.payments.models import Payment, Refund
from api.payments.numbers import refund_number
from api.timefmt import now

log = logging.getLogger("ehc.payments")


async def refund(ctx: AppContext, payment: Payment, amount: int, reason: str) -> Refund:
    """Give ``amount`` fen back to where it came from (partial refunds add up)."""
    if amount <= 0:
        raise DomainError("VALIDATION_ERROR", "a refund must be more than 0 fen")
    record = await _reserve(payment, amount, reason)
    gateway = await gateway_for(ctx, payment.method, payment.app_id)
    try:
        platform_no = await gateway.refund(
            payment.payment_id, record.refund_id, payment.amount, amount
        )
    except (PlatformRefusal, DomainError) as exc:
        await _release(payment, record, amount)
        raise DomainError(
            "UPSTREAM_ERROR", "the platform did not take the refund; try again"
        ) from exc
    async with in_transaction():
        await Refund.filter(refund_id=record.refund_id).update(
            status="succeeded", platform_refund_no=platform_no, finished_at=now()
        )
        await Payment.filter(payment_id=payment.payment_id, refunded=F("amount")).update(
            status="refunded"
        )
        await enqueue(
            "refund_made",
            payment.user_id,
            {"amount": amount, "method": payment.method, "reason": reason},
        )
    record.status, record.platform_refund_no = "succeeded", platform_no
    return record


async def _reserve(payment: Payment, amount: int, reason: str) -> Refund:
    """Count ``amount`` as refunded (if that much is left) and record the pending refund."""
    async with in_transaction():
        reserved = await Payment.filter(
            payment_id=payment.payment_id,
            status__in=("paid",),
            refunded__lte=payment.amount - amount,
        ).update(refunded=F("refunded") + amount)
        if not reserved:
            raise DomainError("REFUND_EXCEEDS_PAID", "more than what was paid and not yet refunded")
        return await Refund.create(
            refund_id=refund_number(), payment=payment, amount=amount, reason=reason[:255]
        )


async def _release(payment: Payment, record: Refund, amount: int) -> None:
    """The platform did not take the refund: it failed, and the amount is refundable again."""
    async with in_transaction():
        await Refund.filter(refund_id=record.refund_id).update(status="failed", finished_at=now())
        await Payment.filter(payment_id=payment.payment_id).update(refunded=F("refunded") - amount)
    log.error("refund failed", extra={"fields": {"refund": record.refund_id}})


async def refund_booking(ctx: AppContext, appointment: Appointment, reason: str) -> None:
    """The booking hook: a cancelled or stopped booking's payment goes back in full."""
    if not appointment.payment_id:
        return
    await give_back(ctx, await Payment.get(payment_id=appointment.payment_id), reason)


async def give_back(ctx: AppContext, payment: Payment, reason: str) -> None:
    """All of a payment goes back: what is left of the self-pay part to WeChat Pay or Alipay,
    the insurance part to the fund and the personal account (even if the first fails)."""
    left = payment.amount - payment.refunded
    try:
        if left > 0:
            await refund(ctx, payment, left, reason)
    finally:
        await insurance_settlements.refund(ctx, payment, reason)
