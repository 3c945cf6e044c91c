"""Charging the payment code a patient shows at the counter (被扫: WeChat Pay ``micropay``,
Alipay ``alipay.trade.pay``).

Rules, because money is taken before anyone answers:

- The payment is recorded before the platform is asked (a ``Payment`` with the charge's id as
  its out_trade_no), so money taken is never without a record here.
- A charge pays a booking waiting for payment or an unpaid HIS bill of the terminal's
  institution (``api.payables``: the bill through the bills area's source), for exactly its
  amount.
- One live charge per purpose: a second scan for the same booking or bill is refused while the
  first is paying or paid (the booking's or bill's row is locked while the charge is written).
- "User paying" (the payer confirms on their phone) and an answer that never came (time-out,
  system error) are the same case: the order is queried every ``counter_poll_seconds`` until it
  is paid or ended, and if neither by ``counter_pay_wait`` it is reversed (cancelled at the
  platform, refunded there if it was paid meanwhile). A reversal that fails leaves the charge
  ``paying``; reading it tries again. So a charge ends paid exactly once, or not at all.
- A paid charge confirms its booking or bill through the payments area (``confirm_paid``, as
  when a resident pays in the mini-program: a bill is marked paid and its hospital told by
  webhook), which refunds it if that was no longer waiting; refunds and the daily
  reconciliation see it as any other payment.
- Taking back a paid registration fee cancels the registration (before the patient is called)
  and frees its place; cancelling a registration gives its fee back (``booking``). Taking back
  a paid bill refunds its items: the bill ends ``refunded``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from api.appointments import booking
from api.appointments.models import Appointment
from api.audit import service as audit
from api.bills import service as bills
from api.channels.models import ChannelApp
from api.context import AppContext
from api.counter.models import CounterCharge
from api.counter.payment_codes import masked, method_of
from api.counter.registration import account_of
from api.counter.schemas import ChargeRequest
from api.errors import DomainError, not_found
from api.payables import Payable
from api.payments.confirmation import confirm_paid
from api.payments.gateways.base import Gateway, PlatformRefusal, Refusal, TradeState
from api.payments.gateways.registry import gateway_for
from api.payments.models import Payment
from api.payments.numbers import payment_number
from api.payments.payable_links import bill_source
from api.payments.refunds import refund
from api.principals import Caller
from api.terminals.models import Terminal
from api.terminals.service import terminal_of
from api.timefmt import now

log = logging.getLogger("ehc.counter")

WAIT_FOR_OUTCOME = (Refusal.USER_PAYING, Refusal.OUTCOME_UNKNOWN)
# What the clerk reads when a platform refuses (the payer's app says more).
REFUSAL_REASONS = {
    Refusal.AUTH_INVALID: "付款码无效或已过期，请让患者刷新付款码",
    Refusal.DECLINED: "支付被拒绝（余额不足或支付方式不可用）",
    Refusal.ALREADY_PAID: "该订单已支付",
    Refusal.WRONG_STATE: "订单已关闭或已撤销",
}


@dataclass(frozen=True)
class Charge:
    """A charge and the payment that carries its money."""

    record: CounterCharge
    payment: Payment

    @property
    def status(self) -> str:
        """paying, paid, refunded, or how it ended unpaid (failed, reversed)."""
        money = self.payment.status
        if money in ("paid", "refunded"):
            return money
        if money == "created":
            return "paying"
        return self.record.outcome or "failed"


async def charge(ctx: AppContext, caller: Caller, req: ChargeRequest) -> Charge:
    """Charge a scanned payment code for a booking waiting for payment or an unpaid HIS bill;
    returns the charge paid, failed, reversed, or (when even the reversal could not be made)
    paying."""
    terminal = await terminal_of(ctx, caller)
    if (req.appointment_id is None) == (req.bill_id is None):  # a rule across fields
        raise DomainError("VALIDATION_ERROR", "name exactly one of appointment_id and bill_id")
    method = method_of(req.auth_code)
    payable = await _payable(ctx, terminal, req)
    if req.amount != payable.amount:
        raise DomainError("AMOUNT_MISMATCH", f"the amount to pay is {payable.amount} fen")
    app_id = await _merchant_app(method)
    gateway = await gateway_for(ctx, method, app_id)
    record, payment = await _open(ctx, caller, terminal, method, app_id, payable, req)
    try:
        state = await gateway.pay_with_code(
            payment.payment_id, payment.subject, payment.amount, req.auth_code
        )
    except PlatformRefusal as exc:
        if exc.refusal not in WAIT_FOR_OUTCOME:
            await _end(
                record, "failed", REFUSAL_REASONS.get(exc.refusal, f"支付失败（{exc.code}）")
            )
            return await _loaded(record.charge_id)
    except DomainError as exc:  # no answer: the money may have been taken; ask
        log.warning("code payment unanswered", extra={"fields": {"code": exc.code}})
    else:
        await confirm_paid(ctx, payment, state)
        return await _loaded(record.charge_id)
    await _await_outcome(ctx, record, payment, gateway)
    return await _loaded(record.charge_id)


async def _payable(ctx: AppContext, terminal: Terminal, req: ChargeRequest) -> Payable:
    """What the charge pays, if it is the terminal's institution's and waits for payment."""
    if req.bill_id is not None:
        source = bill_source(ctx)
        return await source.load_for_institution(ctx, terminal.institution_code, req.bill_id)
    appointment = await booking.load(str(req.appointment_id))
    if appointment is None or appointment.hospital_code != terminal.institution_code:
        raise not_found("appointment")
    if appointment.status != "pending_payment":
        raise DomainError(
            "NOT_PAYABLE", f"a {appointment.status} booking is not waiting for payment"
        )
    return Payable(
        kind="appointment", id=appointment.appointment_id, card_id=appointment.card_id,
        amount=appointment.fee, subject="挂号费", items=(),
    )  # fmt: skip


async def _merchant_app(method: str) -> str:
    """The channel app whose merchant takes counter payments of ``method`` (the first one)."""
    app_id = (
        await ChannelApp.filter(kind=method).order_by("app_id").values_list("app_id", flat=True)
    )
    if not app_id:
        raise DomainError("METHOD_UNAVAILABLE", f"no {method} merchant takes counter payments")
    return str(app_id[0])


async def _open(
    ctx: AppContext,
    caller: Caller,
    terminal: Terminal,
    method: str,
    app_id: str,
    payable: Payable,
    req: ChargeRequest,
) -> tuple[CounterCharge, Payment]:
    """Record the charge and its payment before the platform hears of it (what it pays is
    locked meanwhile)."""
    paid_for = {f"{payable.kind}_id": payable.id}  # appointment_id or bill_id
    async with in_transaction():
        user_id = await _locked_waiting(ctx, terminal, payable)
        earlier = await CounterCharge.filter(**paid_for).values_list("charge_id", flat=True)
        if await Payment.filter(payment_id__in=earlier, status__in=("created", "paid")).exists():
            _refuse_live_charge(payable)
        payment = await Payment.create(
            payment_id=payment_number(), **paid_for, user_id=user_id, method=method,
            app_id=app_id, payer=f"counter:{terminal.terminal_id}", subject=req.subject[:128],
            amount=req.amount,
        )  # fmt: skip
        record = await CounterCharge.create(
            charge_id=payment.payment_id, terminal_id=terminal.terminal_id,
            institution_code=terminal.institution_code, method=method,
            auth_code_masked=masked(req.auth_code), **paid_for,
            deadline=now() + timedelta(seconds=ctx.settings.counter_pay_wait),
        )  # fmt: skip
        await audit.record(caller, "counter.charge", target_type="payment",
                           target_id=payment.payment_id,
                           detail={"method": method, "amount": req.amount, **paid_for})  # fmt: skip
    return record, payment


async def _locked_waiting(ctx: AppContext, terminal: Terminal, payable: Payable) -> str:
    """Lock what is paid (in the caller's transaction) and check it still waits; returns whose
    payment it is: the booking's resident, or the bill card's holder."""
    if payable.kind == "bill":
        await bill_source(ctx).load_for_institution(ctx, terminal.institution_code, payable.id)
        return await account_of(payable.card_id, terminal)
    locked = await Appointment.select_for_update().get(appointment_id=payable.id)
    if locked.status != "pending_payment":
        raise DomainError("NOT_PAYABLE", "this booking is no longer waiting for payment")
    return locked.user_id


def _refuse_live_charge(payable: Payable) -> None:
    """Another charge of the same booking or bill is paying or paid."""
    if payable.kind == "bill":
        raise DomainError("NOT_PAYABLE", "该账单已有一笔收款正在进行或已完成")
    raise DomainError("CONFLICT", "该挂号已有一笔收款正在进行或已完成")


async def _query(gateway: Gateway, out_trade_no: str) -> TradeState | None:
    """The order's state at the platform; None when it cannot say (yet)."""
    try:
        return await gateway.query(out_trade_no)
    except (PlatformRefusal, DomainError):
        return None  # not there yet (the pay call may still be on its way) or unreachable


async def _await_outcome(
    ctx: AppContext, record: CounterCharge, payment: Payment, gateway: Gateway
) -> None:
    """Ask the platform until the order is paid or ended; past the deadline, reverse it."""
    poll = ctx.settings.counter_poll_seconds
    while True:
        state = await _query(gateway, payment.payment_id)
        if state is not None and state.paid:
            await confirm_paid(ctx, payment, state)
            return
        if state is not None and state.closed:
            await _end(record, "failed", "付款未完成，订单已关闭")
            return
        left = (record.deadline - now()).total_seconds()
        if left <= 0:
            break
        await asyncio.sleep(min(poll, left))
    await _reverse(record, payment, gateway, "等待付款超时，已撤销，未扣款")


async def _reverse(record: CounterCharge, payment: Payment, gateway: Gateway, reason: str) -> None:
    """Cancel the order at the platform, then close it here (never the other way round)."""
    try:
        await gateway.reverse(payment.payment_id)
    except PlatformRefusal as exc:
        if exc.refusal not in (Refusal.NOT_FOUND, Refusal.WRONG_STATE):
            log.error("reverse refused", extra={"fields": {"charge": record.charge_id}})
            return  # stays paying: reading the charge tries again
    except DomainError:
        log.warning("reverse unanswered", extra={"fields": {"charge": record.charge_id}})
        return
    await _end(record, "reversed", reason)


async def _end(record: CounterCharge, outcome: str, reason: str) -> None:
    """The charge ended without money: its payment closes (once; never a paid one)."""
    async with in_transaction():
        moved = await Payment.filter(payment_id=record.charge_id, status="created").update(
            status="closed", closed_at=now()
        )
        if moved:
            await CounterCharge.filter(charge_id=record.charge_id).update(
                outcome=outcome, reason=reason[:255]
            )


async def _loaded(charge_id: str) -> Charge:
    record = await CounterCharge.get(charge_id=charge_id)
    return Charge(record, await Payment.get(payment_id=charge_id))


async def _ours(ctx: AppContext, caller: Caller, charge_id: str) -> Charge:
    terminal = await terminal_of(ctx, caller)
    record = await CounterCharge.get_or_none(charge_id=charge_id)
    if record is None or record.institution_code != terminal.institution_code:
        raise not_found("charge")
    return Charge(record, await Payment.get(payment_id=charge_id))


async def charge_of(ctx: AppContext, caller: Caller, charge_id: str) -> Charge:
    """A charge of the caller's institution. One still paying is asked about first (and
    reversed when its deadline has passed)."""
    found = await _ours(ctx, caller, charge_id)
    if found.status != "paying":
        return found
    gateway = await gateway_for(ctx, found.payment.method, found.payment.app_id)
    if now() >= found.record.deadline:
        await _await_outcome(ctx, found.record, found.payment, gateway)
    else:
        state = await _query(gateway, charge_id)
        if state is not None and state.paid:
            await confirm_paid(ctx, found.payment, state)
    return await _loaded(charge_id)


async def reverse(ctx: AppContext, caller: Caller, charge_id: str) -> Charge:
    """The clerk takes a charge back: one still paying is reversed at the platform; a paid
    one is refunded in full (a refund the reconciliation sees)."""
    found = await charge_of(ctx, caller, charge_id)
    if found.status == "paying":
        gateway = await gateway_for(ctx, found.payment.method, found.payment.app_id)
        await _reverse(found.record, found.payment, gateway, "收费员撤销，未扣款")
    elif found.status == "paid":
        await _refund_paid(ctx, caller, found)
        await audit.record(caller, "counter.charge_refunded", target_type="payment",
                           target_id=charge_id)  # fmt: skip
    else:
        raise DomainError("INVALID_STATE", f"a {found.status} charge cannot be reversed")
    return await _loaded(charge_id)


async def _refund_paid(ctx: AppContext, caller: Caller, found: Charge) -> None:
    """All of a paid charge goes back. The fee of a registration not yet seen cancels it too
    (its place returns to the pool): a refunded registration never stays booked; a bill it paid
    is refunded item by item (it never stays paid)."""
    record, reason = found.record, "reversed at the counter"
    if record.bill_id and await bills.refund_paid_by(
        ctx, caller, record.bill_id, record.charge_id, reason
    ):
        return
    appointment = None
    if record.appointment_id:
        appointment = await booking.load(record.appointment_id)
    if (
        appointment is not None
        and appointment.payment_id == record.charge_id
        and await booking.cancel_registration(ctx, appointment, "refunded at the counter")
    ):
        return
    left = found.payment.amount - found.payment.refunded
    await refund(ctx, found.payment, left, reason)
