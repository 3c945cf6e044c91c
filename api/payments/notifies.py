"""A platform's notify: read and verified by the gateway of the app it claims to be for, then
confirmed by asking the platform (a notify applies once, however often it comes)."""

from __future__ import annotations

import logging

from api.context import AppContext
from api.payments.confirmation import confirm_paid
from api.payments.models import Payment

log = logging.getLogger("ehc.payments")


async def on_notify(ctx: AppContext, method: str, body: bytes) -> None:
    """A platform's notify: verified, then confirmed by querying the platform."""
    gateway = await ctx.adapters.payments.for_notify(method, body)
    notify = gateway.verify_notify(body)
    payment = await Payment.get_or_none(payment_id=notify.out_trade_no)
    if payment is None or payment.method != method:
        log.warning("notify for an unknown order", extra={"fields": {"method": method}})
        return
    if payment.status != "created":
        return  # already applied: answer success so the platform stops
    await confirm_paid(ctx, payment)
