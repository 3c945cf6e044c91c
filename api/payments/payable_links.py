"""Telling the owner of what was paid that the money arrived: a booking (appointments) or an
HIS bill (through the source the composition root handed in: payments never imports bills)."""

from __future__ import annotations

from api.appointments import booking
from api.context import AppContext
from api.errors import DomainError, not_found
from api.payables import PayableSource
from api.payments.models import Payment


def bill_source(ctx: AppContext) -> PayableSource:
    """The bills area's payable source (bills are not payable in a composition without it)."""
    if ctx.bill_payables is None:
        raise not_found("bill")
    return ctx.bill_payables


async def payable_paid(ctx: AppContext, payment: Payment) -> bool:
    """The payment's booking or bill takes it; False when it no longer waits for it."""
    if payment.bill_id:
        return await bill_source(ctx).mark_paid(ctx, payment.bill_id, payment.payment_id)
    if not payment.appointment_id:
        raise DomainError("NOT_PAYABLE", "this payment pays nothing")
    return await booking.mark_paid(ctx, payment.appointment_id, payment.payment_id)
