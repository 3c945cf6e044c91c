"""Paying a booking with medical insurance (医保移动支付): opening the insurance order.

The resident's auth code from the insurance app is exchanged for a pay authorisation and the
insured person's identity, who must be the booking's card holder; the booking's fee is uploaded
as fee details (6201) and pre-settled (6202). The platform's split (fund, personal account,
self-pay) is stored beside the payment, whose amount is the self-pay part only: that is all
WeChat Pay or Alipay ever see. A split with nothing left to pay is settled at once and its
payment (method ``insu``, amount 0, never at WeChat Pay or Alipay) is paid. What happens to the
settlement afterwards is in ``settlements``.
"""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from api.appointments.models import Appointment
from api.cards.identity import id_index
from api.cards.service import card_by_id
from api.context import AppContext
from api.errors import DomainError
from api.payables import Payable, PayableItem
from api.payments.gateways.base import Refusal
from api.payments.gateways.insurance import (
    FeeItem,
    InsurancePlatform,
    InsuranceRefusal,
    Insured,
    Split,
)
from api.payments.insurance.settlements import move, platform_of, refund, release, stored_split
from api.payments.models import InsuranceSettlement, Payment
from api.payments.payable_links import payable_paid
from api.timefmt import now

log = logging.getLogger("ehc.payments.insurance")
INSURANCE_ONLY = "insu"  # a payment's method when the insurance paid it all (national "insu")
# The national medical-service item code (医疗服务项目编码) registration fees are billed under.
REGISTRATION_ITEM = ("001102000010000", "普通门诊诊查费")
REFUSALS = {  # the platform's refusal → our code and what the resident is told
    Refusal.AUTH_INVALID: ("INSURANCE_AUTH_INVALID", "the insurance authorisation is invalid, "
                           "used or expired: authorise again in the insurance app"),
    Refusal.NOT_ELIGIBLE: ("INSURANCE_NOT_ELIGIBLE", "this person has no active medical "
                           "insurance"),
}  # fmt: skip


def refused(exc: InsuranceRefusal) -> DomainError:
    """A platform refusal as the resident's error (unlisted ones are a declined payment)."""
    code, message = REFUSALS.get(
        exc.refusal, ("INSURANCE_DECLINED", f"the medical insurance declined ({exc.code})")
    )
    return DomainError(code, message, details={"platform_code": exc.code})


async def _check_holder(ctx: AppContext, card_id: str, insured: Insured) -> None:
    """The insured person must be the card holder of what is paid (compared by blind index)."""
    person = (await card_by_id(card_id)).person
    same = insured.cert_type == person.id_type and person.id_number_idx == id_index(
        ctx, person.id_type, insured.cert_no
    )
    if not same:
        raise DomainError(
            "INSURANCE_HOLDER_MISMATCH",
            "the insurance authorisation is for another person than the booking's card holder",
        )


async def _reusable(payable: Payable, method: str) -> InsuranceSettlement | None:
    """An open pre-settlement of the same booking or bill and method (the resident paying
    again)."""
    of_payable = (
        {"payment__bill_id": payable.id}
        if payable.kind == "bill"
        else {"appointment_id": payable.id}
    )
    return (
        await InsuranceSettlement.filter(
            **of_payable, status="presettled", payment__status="created", payment__method=method
        )
        .select_related("payment")
        .first()
    )


def booking_payable(appointment: Appointment) -> Payable:
    """A held booking as a payable: one registration-fee line."""
    code, name = REGISTRATION_ITEM
    return Payable(
        kind="appointment", id=appointment.appointment_id, card_id=appointment.card_id,
        amount=appointment.fee, subject="", items=(PayableItem(code, name, 1, appointment.fee),),
    )  # fmt: skip


async def open_order(
    ctx: AppContext, appointment: Appointment, draft: Payment, auth_code: str
) -> tuple[Payment, InsuranceSettlement]:
    """The booking's insurance order (see :func:`open_payable_order`)."""
    return await open_payable_order(ctx, booking_payable(appointment), draft, auth_code)


async def open_payable_order(
    ctx: AppContext, payable: Payable, draft: Payment, auth_code: str
) -> tuple[Payment, InsuranceSettlement]:
    """Authorise, check the holder, upload the payable's items and pre-settle; store the split
    with ``draft`` (an unsaved payment whose amount becomes the self-pay part). A split with
    no self-pay is settled at once and comes back paid."""
    platform = platform_of(ctx)
    try:
        insured = await platform.authorise(auth_code)
    except InsuranceRefusal as exc:
        raise refused(exc) from exc
    await _check_holder(ctx, payable.card_id, insured)
    reused = await _reusable(payable, draft.method)
    if reused is not None:
        return reused.payment, reused
    items = [FeeItem(i.code, i.name, i.quantity, i.unit_price) for i in payable.items]
    try:
        order_id = await platform.upload(insured, draft.payment_id, items)
    except InsuranceRefusal as exc:
        raise refused(exc) from exc
    try:
        split = await platform.presettle(order_id, insured)
        if split.total != payable.amount:
            raise DomainError("UPSTREAM_ERROR", "the insurance split is not for the amount owed")
        settlement = await _store(draft, order_id, insured, split)
    except InsuranceRefusal as exc:
        await _best_effort_revoke(platform, order_id)
        raise refused(exc) from exc
    except Exception:
        await _best_effort_revoke(platform, order_id)
        raise
    if split.self_pay == 0:
        await _settle_at_once(ctx, draft, settlement)
    return draft, settlement


async def _store(
    draft: Payment, order_id: str, insured: Insured, split: Split
) -> InsuranceSettlement:
    """The payment (for the self-pay part) and its insurance split, in one transaction."""
    draft.amount = split.self_pay
    if split.self_pay == 0:
        draft.method = INSURANCE_ONLY
    async with in_transaction():
        await draft.save()
        return await InsuranceSettlement.create(
            payment=draft, appointment_id=draft.appointment_id, order_id=order_id,
            psn_no=insured.psn_no, total=split.total, fund=split.fund, account=split.account,
            self_pay=split.self_pay,
        )  # fmt: skip


async def _best_effort_revoke(platform: InsurancePlatform, order_id: str) -> None:
    # Nothing of ours records this order: withdraw it now or its reservation waits for the
    # platform's own expiry.
    try:
        await platform.revoke(order_id)
    except (InsuranceRefusal, DomainError):
        log.warning("could not revoke an unrecorded order", extra={"fields": {"order": order_id}})


async def _settle_at_once(
    ctx: AppContext, payment: Payment, settlement: InsuranceSettlement
) -> None:
    """No self-pay: settle now, mark the payment paid and complete the booking or bill."""
    platform = platform_of(ctx)
    try:
        settle_id = await platform.settle(settlement.order_id, stored_split(settlement), None)
    except InsuranceRefusal as exc:
        await release(ctx, payment)
        raise refused(exc) from exc
    except DomainError:
        await release(ctx, payment)  # if it did settle, the release finds out and refunds
        raise
    async with in_transaction():
        settled = await move(
            settlement.id, ("presettled",), "settled", settle_id=settle_id, settled_at=now()
        )
        if settled is not None:
            await Payment.filter(payment_id=payment.payment_id, status="created").update(
                status="paid", paid_at=now()
            )
            payment.status, payment.paid_at, settlement.status = "paid", now(), "settled"
    if payment.status != "paid" or not await payable_paid(ctx, payment):
        await refund(ctx, payment, "the booking was no longer waiting for this payment")
        raise DomainError("NOT_PAYABLE", "the booking is no longer waiting for payment")
