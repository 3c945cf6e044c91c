"""Paying for a booking, the notifies that confirm it, refunds and stale orders.

Rules: never call a platform while holding a database transaction; a payment changes state
once, under a row lock, whatever the number or order of notifies; a notify is a hint, the
platform's own answer to a query is the truth; money for a booking that is no longer waiting
(expired, cancelled, or already paid another way) goes back automatically.

Medical insurance hooks in at four points: opening the payment (``insurance_flow``), settling
before the booking completes, giving everything back, and the sweep (``insurance_settlements``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from urllib.parse import parse_qsl

import xmltodict
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from api.appointments import booking
from api.appointments.models import Appointment
from api.audit import service as audit
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox.service import enqueue
from api.payments import insurance_flow, insurance_settlements
from api.payments.gateways import (
    Gateway,
    Notify,
    PlatformRefusal,
    TradeState,
    refund_number,
)
from api.payments.models import InsuranceSettlement, Payment, Refund
from api.principals import Caller, Origin
from api.timefmt import now

log = logging.getLogger("ehc.payments")


async def gateway_for(ctx: AppContext, method: str, app_id: str) -> Gateway:
    """The money platform of ``method`` for a channel app."""
    return await ctx.adapters.payments.for_app(method, app_id)


def _draft(caller: Caller, appointment: Appointment, method: str, app_id: str) -> Payment:
    """A new, unsaved payment of the booking's fee."""
    schedule = appointment.schedule
    return Payment(
        payment_id="PY" + now().strftime("%Y%m%d") + secrets.token_hex(6).upper(),
        appointment_id=appointment.appointment_id, user_id=caller.id, method=method,
        app_id=app_id, payer=str(caller.attrs.get("platform_user", "")), amount=appointment.fee,
        subject=f"挂号费 {schedule.department.name} {schedule.doctor.name}"[:128],
    )  # fmt: skip


async def start(
    ctx: AppContext,
    caller: Caller,
    appointment_id: str,
    method: str,
    insurance_auth_code: str | None = None,
) -> tuple[Payment, dict, InsuranceSettlement | None]:
    """Open (or reopen) the payment of a held booking; returns it, the mini-program's payment
    parameters and the insurance split (with ``insurance_auth_code``: the payment is then for
    the self-pay part only, and already paid when there is none). The client never sends the
    amount: it is the booking's fee, or what the insurance platform leaves to pay."""
    appointment = await booking.mine(caller, appointment_id)
    if appointment.status != "pending_payment":
        raise DomainError(
            "NOT_PAYABLE", f"a {appointment.status} booking is not waiting for payment"
        )
    app_id = str(caller.attrs.get("app_id", ""))
    gateway = await gateway_for(ctx, method, app_id)
    draft, settlement = _draft(caller, appointment, method, app_id), None
    if insurance_auth_code:
        payment, settlement = await insurance_flow.open_order(
            ctx, appointment, draft, insurance_auth_code
        )
        if payment.status == "paid":
            return payment, {}, settlement  # the insurance paid it all
    else:
        payment = await _reopened(appointment_id, method) or await _saved(draft)
    try:
        params = await gateway.create(
            payment.payment_id, payment.subject, payment.amount, payment.payer
        )
    except PlatformRefusal as exc:
        raise DomainError(
            "PAYMENT_DECLINED", f"the platform refused the order ({exc.code})"
        ) from exc
    if method == "alipay" and not payment.platform_trade_no:
        await Payment.filter(payment_id=payment.payment_id).update(
            platform_trade_no=params["trade_no"]
        )
    return payment, params, settlement


async def _reopened(appointment_id: str, method: str) -> Payment | None:
    """The booking's open payment by ``method`` without insurance (one with an insurance split
    is only reopened with a new authorisation)."""
    insured = await insurance_settlements.insured_payment_ids(appointment_id)
    return (
        await Payment.filter(appointment_id=appointment_id, method=method, status="created")
        .exclude(payment_id__in=insured)
        .first()
    )


async def _saved(draft: Payment) -> Payment:
    await draft.save()
    return draft


async def owned(caller: Caller, payment_id: str) -> Payment:
    """One of the caller's payments (admins see any)."""
    payment = await Payment.get_or_none(payment_id=payment_id)
    if payment is None or (caller.kind != "admin" and payment.user_id != caller.id):
        raise not_found("payment")
    return payment


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
    if not await booking.mark_paid(ctx, paid.appointment_id, paid.payment_id):
        await _give_back(ctx, paid, "the booking was no longer waiting for this payment")


async def on_notify(ctx: AppContext, method: str, body: bytes) -> None:
    """A platform's notify: verified, then confirmed by querying the platform."""
    app_id = _notify_app(method, body)
    gateway = await gateway_for(ctx, method, app_id)
    notify: Notify = gateway.verify_notify(body)
    payment = await Payment.get_or_none(payment_id=notify.out_trade_no)
    if payment is None or payment.method != method:
        log.warning("notify for an unknown order", extra={"fields": {"method": method}})
        return
    if payment.status != "created":
        return  # already applied: answer success so the platform stops
    await confirm_paid(ctx, payment)


def _notify_app(method: str, body: bytes) -> str:
    """The app a notify claims to be for (checked again after verification)."""
    try:
        if method == "wechat":
            return str(xmltodict.parse(body)["xml"]["appid"])
        return dict(parse_qsl(body.decode()))["app_id"]
    except Exception as exc:
        raise DomainError("VALIDATION_ERROR", "this is not a notify") from exc


async def refund(ctx: AppContext, payment: Payment, amount: int, reason: str) -> Refund:
    """Give ``amount`` fen back to where it came from (partial refunds add up)."""
    if amount <= 0:
        raise DomainError("VALIDATION_ERROR", "a refund must be more than 0 fen")
    async with in_transaction():
        reserved = await Payment.filter(
            payment_id=payment.payment_id,
            status__in=("paid",),
            refunded__lte=payment.amount - amount,
        ).update(refunded=F("refunded") + amount)
        if not reserved:
            raise DomainError("REFUND_EXCEEDS_PAID", "more than what was paid and not yet refunded")
        record = await Refund.create(
            refund_id=refund_number(), payment=payment, amount=amount, reason=reason[:255]
        )
    gateway = await gateway_for(ctx, payment.method, payment.app_id)
    try:
        platform_no = await gateway.refund(
            payment.payment_id, record.refund_id, payment.amount, amount
        )
    except (PlatformRefusal, DomainError) as exc:
        async with in_transaction():
            await Refund.filter(refund_id=record.refund_id).update(
                status="failed", finished_at=now()
            )
            await Payment.filter(payment_id=payment.payment_id).update(
                refunded=F("refunded") - amount
            )
        log.error("refund failed", extra={"fields": {"refund": record.refund_id}})
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


async def refund_booking(ctx: AppContext, appointment: Appointment, reason: str) -> None:
    """The booking hook: a cancelled or stopped booking's payment goes back in full."""
    if not appointment.payment_id:
        return
    await _give_back(ctx, await Payment.get(payment_id=appointment.payment_id), reason)


async def _give_back(ctx: AppContext, payment: Payment, reason: str) -> None:
    """All of a payment goes back: what is left of the self-pay part to WeChat Pay or Alipay,
    the insurance part to the fund and the personal account (even if the first fails)."""
    left = payment.amount - payment.refunded
    try:
        if left > 0:
            await refund(ctx, payment, left, reason)
    finally:
        await insurance_settlements.refund(ctx, payment, reason)


async def sweep(ctx: AppContext) -> int:
    """Close orders nobody will pay (their booking is no longer waiting, or they are older than
    the hold); an order paid meanwhile is confirmed instead (and refunded if too late)."""
    stale_before = now() - timedelta(seconds=ctx.settings.pay_seconds + 60)
    open_orders = await Payment.filter(status="created").limit(200)
    waiting = set(
        await Appointment.filter(
            appointment_id__in=[p.appointment_id for p in open_orders], status="pending_payment"
        ).values_list("appointment_id", flat=True)
    )
    closed = 0
    for payment in open_orders:
        if payment.appointment_id in waiting and payment.created_at > stale_before:
            continue
        if payment.method == insurance_flow.INSURANCE_ONLY:
            await insurance_settlements.release(ctx, payment)  # nothing at WeChat/Alipay to close
            continue
        try:
            gateway = await gateway_for(ctx, payment.method, payment.app_id)
            state = await gateway.query(payment.payment_id)
            if state.paid:
                await confirm_paid(ctx, payment, state)
                continue
            if not state.closed:
                await gateway.close(payment.payment_id)
        except PlatformRefusal as exc:
            if exc.code in ("ORDERPAID", "ACQ.TRADE_STATUS_ERROR"):
                await confirm_paid(ctx, payment)
                continue
            if exc.code not in ("ORDERNOTEXIST", "ACQ.TRADE_NOT_EXIST"):
                continue
        except DomainError:
            continue  # the platform is down (or gone from the app): try at the next sweep
        moved = await Payment.filter(payment_id=payment.payment_id, status="created").update(
            status="closed", closed_at=now()
        )
        if moved:
            await insurance_settlements.release(ctx, payment)  # revokes its pre-settlement
        closed += moved
    await insurance_settlements.retry_unfinished(ctx)
    return closed
