"""The card centre's payment work: a refund by hand, recorded in the audit trail as the acting
admin's."""

from __future__ import annotations

from api import policy
from api.appointments.models import Appointment
from api.audit import service as audit
from api.context import AppContext
from api.institutions import service as institutions
from api.payments.models import Payment, Refund
from api.payments.orders import owned
from api.payments.refunds import refund
from api.principals import Caller


async def refund_by_hand(
    ctx: AppContext, actor: Caller, payment_id: str, amount: int, reason: str
) -> tuple[Payment, Refund]:
    """Refund part or all of a payment to where it came from (a payment of an institution
    inside the actor's reach)."""
    policy.require(actor, "payment.refund")
    payment = await owned(actor, payment_id)
    hospital = await Appointment.filter(appointment_id=payment.appointment_id).values_list(
        "hospital_code", flat=True
    )
    place = await institutions.place_of(hospital[0] if hospital else None)
    policy.check(actor, "payment.refund", place, "payment")
    done = await refund(ctx, payment, amount, reason)
    await audit.record(
        actor, "payment.refund", target_type="payment", target_id=payment_id,
        detail={"amount": amount},
    )  # fmt: skip
    return payment, done
