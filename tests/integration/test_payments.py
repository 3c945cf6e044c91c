"""Paying a held booking through the stand-in WeChat Pay and Alipay (API.md "Payments")."""

from __future__ import annotations

import pytest

from tests.support.hospital import one_slot
from tests.support.partner import bearer
from tests.support.paying import FEE, confirm_payment, held_booking
from tests.support.processes import ehc_process, free_port
from tests.support.resident import new_holder
from tests.support.waiting import eventually


async def pay(api, holder, appointment_id: str, method: str) -> dict:
    started = await api.post(
        "/api/v1/payments",
        json={"appointment_id": appointment_id, "method": method},
        headers=bearer(holder["token"]),
    )
    assert started.status_code == 201, started.text
    return started.json()


async def status_of(api, holder, kind: str, ident: str) -> dict:
    resp = await api.get(f"/api/v1/{kind}/{ident}", headers=bearer(holder["token"]))
    return resp.json()


async def test_wechat_pay_books_once_despite_duplicate_notifies(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    booking = await held_booking(api, admin_headers, clinic, holder)
    started = await pay(api, holder, booking["appointment_id"], "wechat")
    params = started["params"]
    assert started["amount"] == FEE and started["status"] == "created"
    assert params["package"].startswith("prepay_id=") and params["signType"] == "MD5"
    assert params["appId"] == channel_apps["wechat"]["app_id"] and len(params["paySign"]) == 32
    confirmed = await confirm_payment(api, "wechat", params, duplicate=True)
    assert confirmed.status_code == 200

    async def booked() -> bool:
        seen = await status_of(api, holder, "appointments", booking["appointment_id"])
        return seen["status"] == "booked"

    await eventually(booked)
    payment = await status_of(api, holder, "payments", started["payment_id"])
    assert payment["status"] == "paid" and payment["refunded"] == 0
    notifies = (await api.get("/mock/wechat/pay/notifies")).json()["notifies"]
    mine = [n for n in notifies if n["url"].endswith("/notify/wechat")][-2:]
    await eventually(lambda: _answered(api, 2))
    inbox = (await api.get("/api/v1/messages", headers=bearer(holder["token"]))).json()
    assert [m["event"] for m in inbox["messages"]].count("booking_confirmed") == 1
    assert len(mine) == 2


async def _answered(api, n: int) -> bool:
    notifies = (await api.get("/mock/wechat/pay/notifies")).json()["notifies"]
    return sum(1 for x in notifies[-n:] if x["answered"]) == n


async def test_a_notify_with_a_wrong_amount_is_checked_with_the_platform(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    booking = await held_booking(api, admin_headers, clinic, holder)
    started = await pay(api, holder, booking["appointment_id"], "wechat")
    await confirm_payment(api, "wechat", started["params"], wrong_amount=True)

    async def paid() -> bool:
        return (await status_of(api, holder, "payments", started["payment_id"]))["status"] == "paid"

    await eventually(paid)  # the platform's query says 1500 was paid: that is what counts
    assert (await status_of(api, holder, "payments", started["payment_id"]))["amount"] == FEE


async def test_forged_notify_changes_nothing(api, admin_headers, clinic, channel_apps) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    booking = await held_booking(api, admin_headers, clinic, holder)
    started = await pay(api, holder, booking["appointment_id"], "wechat")
    xml = (
        f"<xml><appid>{channel_apps['wechat']['app_id']}</appid><mch_id>1900000001</mch_id>"
        f"<out_trade_no>{started['payment_id']}</out_trade_no><total_fee>{FEE}</total_fee>"
        "<transaction_id>4200000000</transaction_id><result_code>SUCCESS</result_code>"
        "<return_code>SUCCESS</return_code><sign>0123456789ABCDEF0123456789ABCDEF</sign></xml>"
    )
    answer = await api.post("/api/v1/payments/notify/wechat", content=xml)
    assert "FAIL" in answer.text
    assert (await status_of(api, holder, "payments", started["payment_id"]))["status"] == "created"


async def test_alipay_pays_and_cancelling_refunds_to_alipay(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["alipay"]["app_id"], "alipay")
    booking = await held_booking(api, admin_headers, clinic, holder)
    started = await pay(api, holder, booking["appointment_id"], "alipay")
    assert set(started["params"]) >= {"trade_no"}
    await confirm_payment(api, "alipay", started["params"])

    async def booked() -> bool:
        seen = await status_of(api, holder, "appointments", booking["appointment_id"])
        return seen["status"] == "booked"

    await eventually(booked)
    cancelled = await api.post(
        f"/api/v1/appointments/{booking['appointment_id']}/cancel", headers=bearer(holder["token"])
    )
    assert cancelled.json()["status"] == "cancelled"

    async def refunded() -> bool:
        payment = await status_of(api, holder, "payments", started["payment_id"])
        return payment["status"] == "refunded" and payment["refunded"] == FEE

    await eventually(refunded)


async def test_admin_partial_refunds_add_up(api, admin_headers, clinic, channel_apps) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    booking = await held_booking(api, admin_headers, clinic, holder)
    started = await pay(api, holder, booking["appointment_id"], "wechat")
    await confirm_payment(api, "wechat", started["params"])

    async def paid() -> bool:
        return (await status_of(api, holder, "payments", started["payment_id"]))["status"] == "paid"

    await eventually(paid)
    url = f"/api/v1/payments/{started['payment_id']}/refund"
    first = await api.post(url, json={"amount": 500, "reason": "部分退费"}, headers=admin_headers)
    assert first.status_code == 200 and first.json()["status"] == "succeeded"
    shown = await status_of(api, holder, "payments", started["payment_id"])
    assert shown["status"] == "paid" and shown["refunded"] == 500
    kept = await status_of(api, holder, "appointments", booking["appointment_id"])
    assert kept["status"] == "booked"  # part of the fee back: the place is still theirs
    too_much = await api.post(url, json={"amount": 1001, "reason": "x"}, headers=admin_headers)
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "REFUND_EXCEEDS_PAID"
    rest = await api.post(url, json={"amount": 1000, "reason": "余额"}, headers=admin_headers)
    assert rest.status_code == 200
    shown = await status_of(api, holder, "payments", started["payment_id"])
    assert shown["status"] == "refunded" and shown["refunded"] == FEE
    gone = await status_of(api, holder, "appointments", booking["appointment_id"])
    assert gone["status"] == "cancelled"  # the whole fee back: nobody holds an unpaid place


async def test_only_held_bookings_are_paid(api, admin_headers, clinic, channel_apps) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    _, slot_id = await one_slot(api, admin_headers, clinic, fee=0)
    free = await api.post(
        "/api/v1/appointments",
        json={"card_id": holder["card"]["card_id"], "slot_id": slot_id},
        headers=bearer(holder["token"]),
    )
    refused = await api.post(
        "/api/v1/payments",
        json={"appointment_id": free.json()["appointment_id"], "method": "wechat"},
        headers=bearer(holder["token"]),
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "NOT_PAYABLE"
    booking = await held_booking(api, admin_headers, clinic, holder)
    wrong_app = await api.post(
        "/api/v1/payments",
        json={"appointment_id": booking["appointment_id"], "method": "alipay"},
        headers=bearer(holder["token"]),
    )
    assert wrong_app.status_code == 409
    assert wrong_app.json()["error"]["code"] == "METHOD_UNAVAILABLE"


@pytest.mark.postgres_only
async def test_money_for_an_expired_hold_goes_back(
    api, live, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    env = {**live.env, "EHC_PAY_SECONDS": "1", "EHC_SWEEP_SECONDS": "0.2"}
    import httpx

    with ehc_process(["serve", "--port", str(free_port())], env) as base:
        async with httpx.AsyncClient(base_url=base) as short:
            booking = await held_booking(short, admin_headers, clinic, holder)
            started = await pay(short, holder, booking["appointment_id"], "wechat")
        # the resident pays, but the notify is lost; the hold lapses meanwhile
        await confirm_payment(api, "wechat", started["params"], notify=False)

        async def refunded() -> bool:
            payment = await status_of(api, holder, "payments", started["payment_id"])
            return payment["status"] == "refunded"

        await eventually(refunded, within=15)
    seen = await status_of(api, holder, "appointments", booking["appointment_id"])
    assert seen["status"] == "expired"
