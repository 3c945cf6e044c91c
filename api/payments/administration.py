"""The card centre's payment work: a refund by hand, recorded in the audit trail as the acting
admin's."""

from __future__ import annotations

from api import policy
from api.appointments import booking
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
    await _cancel_if_all_refunded(ctx, payment_id, reason)
    return payment, done


async def _cancel_if_all_refunded(ctx: AppContext, payment_id: str, reason: str) -> None:
    # A booking whose whole fee went back must not stay booked: the patient would keep a
    # place nobody paid for. Once called, the visit happened and only the money moves.
    payment = await Payment.get(payment_id=payment_id)
    if payment.refunded < payment.amount or not payment.appointment_id:
        return
    appointment = await booking.load(payment.appointment_id)
    if appointment is not None and appointment.payment_id == payment_id:
        await booking.cancel_registration(ctx, appointment, reason)
