"""The payments rules, tested by calling the services with an in-memory money platform where
WeChat Pay would be (no server): a payment changes state once whatever the number of notifies,
a notify is only a hint, money for a booking no longer waiting goes back, a refused refund
changes nothing, and the sweep confirms what was paid and closes the rest."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest

from api.appointments import booking
from api.appointments.models import Appointment, Department, Doctor, Hospital, Schedule, Slot
from api.context import AppContext
from api.errors import DomainError
from api.outbox.models import OutboxMessage
from api.payments import service as payments
from api.payments.gateways.base import Refusal
from api.payments.models import Payment, Refund
from api.principals import Caller
from api.settings import Settings
from api.timefmt import now, today
from tests.support.core import open_core
from tests.support.fake_money import FakeMoneyPlatform

pytestmark = pytest.mark.storage
FEE = 1500


def app_id() -> str:
    return "wxsvc" + secrets.token_hex(5)


async def held_booking(fee: int = FEE) -> Appointment:
    """A one-place slot and a booking of it waiting for payment."""
    tag = secrets.token_hex(4).upper()
    hospital = await Hospital.create(code="HS" + tag, name="服务测试医院")
    department = await Department.create(hospital=hospital, code="D" + tag, name="内科")
    doctor = await Doctor.create(department=department, code="DR" + tag, name="李医生")
    schedule = await Schedule.create(doctor=doctor, department=department,
                                     date=today("Asia/Shanghai"), period="am", fee=fee,
                                     booking_opens_at=now() - timedelta(days=1))  # fmt: skip
    slot = await Slot.create(schedule=schedule, start=now() + timedelta(hours=2),
                             end=now() + timedelta(hours=3), capacity=1, booked=1)  # fmt: skip
    return await Appointment.create(
        appointment_id="AP" + tag, card_id="CARD" + tag, user_id="U" + tag,
        hospital_code=hospital.code, schedule=schedule, slot=slot, status="pending_payment",
        fee=fee, pay_before=now() + timedelta(minutes=15),
    )  # fmt: skip


async def start_paying(ctx: AppContext, appointment: Appointment, app: str) -> Payment:
    """The resident opens the WeChat Pay payment of their booking in app ``app``."""
    resident = Caller("resident", appointment.user_id,
                      attrs={"app_id": app, "platform_user": "openid-" + app})  # fmt: skip
    payment, _, _ = await payments.start(ctx, resident, appointment.appointment_id, "wechat")
    return payment


async def events_of(appointment: Appointment) -> list[str]:
    rows = await OutboxMessage.filter(user_id=appointment.user_id).values_list("event", flat=True)
    return sorted(rows)  # type: ignore[arg-type]


async def test_a_payment_changes_state_once_whatever_the_number_of_notifies(
    core_settings: Settings,
) -> None:
    app = app_id()
    platform = FakeMoneyPlatform(app)
    async with open_core(core_settings, {("wechat", app): platform}) as ctx:
        appointment = await held_booking()
        payment = await start_paying(ctx, appointment, app)
        notify = platform.pay(payment.payment_id)
        await asyncio.gather(*(payments.on_notify(ctx, "wechat", notify) for _ in range(5)))
        await payments.on_notify(ctx, "wechat", notify)  # a late copy
        paid = await Payment.get(payment_id=payment.payment_id)
        booked = await Appointment.get(appointment_id=appointment.appointment_id)
        assert (paid.status, paid.amount, paid.refunded) == ("paid", FEE, 0)
        assert (booked.status, booked.payment_id) == ("booked", payment.payment_id)
        assert await events_of(appointment) == ["booking_confirmed", "payment_received"]
        assert platform.refunded == 0


async def test_a_notify_is_only_a_hint_the_orders_own_platform_decides(
    core_settings: Settings,
) -> None:
    ours, other = app_id(), app_id()
    platform, other_platform = FakeMoneyPlatform(ours), FakeMoneyPlatform(other)
    given = {("wechat", ours): platform, ("wechat", other): other_platform}
    async with open_core(core_settings, given) as ctx:
        appointment = await held_booking()
        payment = await start_paying(ctx, appointment, ours)
        # Another app's platform claims our order was paid: its notify verifies, but the
        # order's own platform says it is not.
        await other_platform.create(payment.payment_id, "x", FEE, "someone")
        await payments.on_notify(ctx, "wechat", other_platform.pay(payment.payment_id))
        assert (await Payment.get(payment_id=payment.payment_id)).status == "created"
        assert platform.queries == 1


async def test_a_notify_for_an_app_we_do_not_have_is_refused(core_settings: Settings) -> None:
    app = app_id()
    platform = FakeMoneyPlatform(app)
    async with open_core(core_settings, {("wechat", app): platform}) as ctx:
        payment = await start_paying(ctx, await held_booking(), app)
        platform.pay(payment.payment_id)
        for body in (platform.notify_body(payment.payment_id, app_id="wxnotours"), b"<xml/>"):
            with pytest.raises(DomainError) as refused:
                await payments.on_notify(ctx, "wechat", body)
            assert refused.value.code in ("METHOD_UNAVAILABLE", "VALIDATION_ERROR")
        assert (await Payment.get(payment_id=payment.payment_id)).status == "created"
        assert platform.queries == 0


async def test_money_for_a_booking_no_longer_waiting_goes_back(core_settings: Settings) -> None:
    app = app_id()
    platform = FakeMoneyPlatform(app)
    async with open_core(core_settings, {("wechat", app): platform}) as ctx:
        appointment = await held_booking()
        payment = await start_paying(ctx, appointment, app)
        assert await booking.expire_hold(ctx, await booking.load(appointment.appointment_id))
        await payments.on_notify(ctx, "wechat", platform.pay(payment.payment_id))
        back = await Payment.get(payment_id=payment.payment_id)
        assert (back.status, back.refunded) == ("refunded", FEE)
        assert platform.refunded == FEE
        assert (await Appointment.get(appointment_id=appointment.appointment_id)).status == (
            "expired"
        )


async def test_a_refused_refund_leaves_the_paid_amount_unchanged(
    core_settings: Settings,
) -> None:
    app = app_id()
    platform = FakeMoneyPlatform(app)
    async with open_core(core_settings, {("wechat", app): platform}) as ctx:
        payment = await start_paying(ctx, await held_booking(), app)
        await payments.on_notify(ctx, "wechat", platform.pay(payment.payment_id))
        paid = await Payment.get(payment_id=payment.payment_id)
        platform.refusing_refunds = Refusal.DECLINED
        with pytest.raises(DomainError) as refused:
            await payments.refund(ctx, paid, 500, "goodwill")
        assert refused.value.code == "UPSTREAM_ERROR"
        after = await Payment.get(payment_id=payment.payment_id)
        assert (after.status, after.refunded) == ("paid", 0)
        assert await Refund.filter(payment_id=payment.payment_id).values_list(
            "status", flat=True
        ) == ["failed"]
        platform.refusing_refunds = None
        await payments.refund(ctx, after, FEE, "cancelled")  # all of it is still refundable
        done = await Payment.get(payment_id=payment.payment_id)
        assert (done.status, done.refunded, platform.refunded) == ("refunded", FEE, FEE)
        with pytest.raises(DomainError) as exceeded:
            await payments.refund(ctx, done, 1, "once more")
        assert exceeded.value.code == "REFUND_EXCEEDS_PAID"


async def test_the_sweep_confirms_what_was_paid_and_closes_the_rest(
    core_settings: Settings,
) -> None:
    app = app_id()
    platform = FakeMoneyPlatform(app)
    async with open_core(core_settings, {("wechat", app): platform}) as ctx:
        paid_booking, unpaid_booking = await held_booking(), await held_booking()
        paid = await start_paying(ctx, paid_booking, app)
        unpaid = await start_paying(ctx, unpaid_booking, app)
        platform.pay(paid.payment_id)  # its notify was lost
        long_ago = now() - timedelta(seconds=core_settings.pay_seconds + 120)
        await Payment.filter(payment_id__in=[paid.payment_id, unpaid.payment_id]).update(
            created_at=long_ago
        )
        assert await payments.sweep(ctx) == 1
        assert (await Payment.get(payment_id=paid.payment_id)).status == "paid"
        assert (await Appointment.get(appointment_id=paid_booking.appointment_id)).status == (
            "booked"
        )
        assert (await Payment.get(payment_id=unpaid.payment_id)).status == "closed"
        assert platform.orders[unpaid.payment_id].closed
