"""A payment changes state once, whatever the number or order of notifies: the platform's own
answer to a query is the truth (a notify is only a hint), the amount must be ours, and the
change from created to paid happens under a row lock. Money for a booking that is no longer
waiting goes back."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.context import AppContext
from api.outbox.service import enqueue
from api.payments.gateways.base import TradeState
from api.payments.gateways.registry import gateway_for
from api.payments.insurance import settlements as insurance_settlements
from api.payments.models import Payment
from api.payments.payable_links import payable_paid
from api.payments.refunds import give_back, refund
from api.principals import Origin
from api.timefmt import now

log = logging.getLogger("ehc.payments")


async def _mark_paid(payment_id: str, trade_no: str | None) -> Payment | None:
    """created → paid, once (row lock); None when it was already applied."""
    async with in_transaction():
        payment = await Payment.select_for_update().get(payment_id=payment_id)
        if payment.status != "created":
            return None
        payment.status, payment.paid_at = "paid", now()
        payment.platform_trade_no = trade_no or payment.platform_trade_no
        await payment.save(update_fields=["status", "paid_at", "platform_trade_no", "updated_at"])
        await enqueue(
            "payment_received",
            payment.user_id,
            {"amount": payment.amount, "method": payment.method},
        )
    return payment


async def confirm_paid(ctx: AppContext, payment: Payment, state: TradeState | None = None) -> None:
    """Ask the platform (unless the caller just did: ``state``); if it says paid (for our
    amount), apply it and complete the booking."""
    if state is None:
        gateway = await gateway_for(ctx, payment.method, payment.app_id)
        state = await gateway.query(payment.payment_id)
    if not state.paid:
        return
    if state.amount != payment.amount:
        log.error("amount mismatch", extra={"fields": {"payment": payment.payment_id}})
        await audit.record(
            Origin(None, None), "payment.amount_mismatch", target_type="payment",
            target_id=payment.payment_id, detail={"platform": state.amount, "ours": payment.amount},
        )  # fmt: skip
        return
    if not await insurance_settlements.settle(ctx, payment, state.trade_no):
        # The insurance would not settle its part (now revoked): the self-pay goes back.
        refused = await _mark_paid(payment.payment_id, state.trade_no)
        if refused is not None:
            await refund(ctx, refused, refused.amount, "the medical insurance did not settle")
        return
    paid = await _mark_paid(payment.payment_id, state.trade_no)
    if paid is None:
        return  # a duplicate: the first one did the work
    if not await payable_paid(ctx, paid):
        await give_back(ctx, paid, "the booking or bill was no longer waiting for this payment")
