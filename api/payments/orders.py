"""Opening the payment of a held booking: the amount is the booking's fee (or what the medical
insurance leaves to pay), never the client's; an open order of the same booking and method is
reopened rather than duplicated."""

from __future__ import annotations

from api.appointments import booking
from api.appointments.models import Appointment
from api.context import AppContext
from api.errors import DomainError, not_found
from api.payments.gateways.base import Gateway, PlatformRefusal
from api.payments.gateways.registry import gateway_for
from api.payments.insurance import flow as insurance_flow
from api.payments.insurance import settlements as insurance_settlements
from api.payments.models import InsuranceSettlement, Payment
from api.payments.numbers import payment_number
from api.payments.payable_links import bill_source
from api.principals import Caller


def _draft(caller: Caller, appointment: Appointment, method: str, app_id: str) -> Payment:
    """A new, unsaved payment of the booking's fee."""
    schedule = appointment.schedule
    return Payment(
        payment_id=payment_number(),
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
    return payment, await _opened(gateway, payment), settlement


async def start_payable(
    ctx: AppContext,
    caller: Caller,
    kind: str,
    payable_id: str,
    method: str,
    insurance_auth_code: str | None = None,
) -> tuple[Payment, dict, InsuranceSettlement | None]:
    """Open the payment of a held booking (``kind`` "appointment", see :func:`start`) or of an
    unpaid HIS bill (``kind`` "bill"): the same rules, the amount being the bill's."""
    if kind == "appointment":
        return await start(ctx, caller, payable_id, method, insurance_auth_code)
    payable = await bill_source(ctx).load(ctx, caller, payable_id)
    app_id = str(caller.attrs.get("app_id", ""))
    gateway = await gateway_for(ctx, method, app_id)
    draft = Payment(
        payment_id=payment_number(), bill_id=payable.id, user_id=caller.id, method=method,
        app_id=app_id, payer=str(caller.attrs.get("platform_user", "")), amount=payable.amount,
        subject=payable.subject[:128],
    )  # fmt: skip
    settlement = None
    if insurance_auth_code:
        payment, settlement = await insurance_flow.open_payable_order(
            ctx, payable, draft, insurance_auth_code
        )
        if payment.status == "paid":
            return payment, {}, settlement
    else:
        payment = await _reopened_bill(payable.id, method) or await _saved(draft)
    return payment, await _opened(gateway, payment), settlement


async def _opened(gateway: Gateway, payment: Payment) -> dict:
    """The order at WeChat Pay or Alipay; returns the mini-program's payment parameters."""
    try:
        opened = await gateway.create(
            payment.payment_id, payment.subject, payment.amount, payment.payer
        )
    except PlatformRefusal as exc:
        raise DomainError(
            "PAYMENT_DECLINED", f"the platform refused the order ({exc.code})"
        ) from exc
    if opened.trade_no and not payment.platform_trade_no:
        await Payment.filter(payment_id=payment.payment_id).update(
            platform_trade_no=opened.trade_no
        )
    return opened.params


async def _reopened_bill(bill_id: str, method: str) -> Payment | None:
    """The bill's open payment by ``method`` without insurance."""
    insured = await InsuranceSettlement.filter(payment__bill_id=bill_id).values_list(
        "payment_id", flat=True
    )
    return (
        await Payment.filter(bill_id=bill_id, method=method, status="created")
        .exclude(payment_id__in=list(insured))
        .first()
    )


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
