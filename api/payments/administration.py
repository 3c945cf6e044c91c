"""The card centre's payment work: a refund by hand, recorded in the audit trail as the acting
admin's."""

from __future__ import annotations

from api.audit import service as audit
from api.context import AppContext
from api.payments.models import Payment, Refund
from api.payments.orders import owned
from api.payments.refunds import refund
from api.principals import Caller


async def refund_by_hand(
    ctx: AppContext, actor: Caller, payment_id: str, amount: int, reason: str
) -> tuple[Payment, Refund]:
    """Refund part or all of a payment to where it came from."""
    payment = await owned(actor, payment_id)
    done = await refund(ctx, payment, amount, reason)
    await audit.record(
        actor, "payment.refund", target_type="payment", target_id=payment_id,
        detail={"amount": amount},
    )  # fmt: skip
    return payment, done
