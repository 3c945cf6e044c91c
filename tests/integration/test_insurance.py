"""Paying a held booking with medical insurance (医保移动支付) through the real API, with the
stand-in insurance platform, WeChat Pay and Alipay over real HTTP: the platform splits the fee
into fund, personal account and self-pay, and only the self-pay part goes through WeChat Pay or
Alipay."""

from __future__ import annotations

import hashlib
import random
import secrets

import httpx
import pytest
import xmltodict

from tests.support.partner import bearer
from tests.support.paying import FEE, confirm_payment, held_booking
from tests.support.people import Person, make_person
from tests.support.processes import ehc_process, free_port
from tests.support.resident import new_holder
from tests.support.waiting import eventually


@pytest.fixture(scope="session")
async def clinic(clinic, live) -> str:
    """The test hospital (conftest's), also known to the insurance platform."""
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        made = await api.post(
            "/mock/insurance/institutions",
            json={
                "fixmedins_code": live.settings.insurance_fixmedins_code,
                "key": live.settings.insurance_key,
            },
        )
        assert made.status_code == 201, made.text
    return clinic


async def insure(api, person: Person, balance: int, fund_ratio: float = 0.5) -> None:
    """Put the person in the insurance platform's register with a personal-account balance."""
    resp = await api.post(
        "/mock/insurance/people",
        json={"id_number": person.id_number, "name": person.name,
              "account_balance": balance, "fund_ratio": fund_ratio},
    )  # fmt: skip
    assert resp.status_code == 201, resp.text


async def auth_code(api, person: Person) -> str:
    """The person authorises payment in the insurance app; the mini-program gets this code."""
    resp = await api.post(f"/mock/insurance/users/{person.id_number}/auth_code")
    return resp.json()["auth_code"]


async def insured_booking(
    api, admin_headers, clinic, channel_apps, balance: int
) -> tuple[dict, dict, httpx.Response]:
    """An insured WeChat resident (``balance`` fen in the personal account), their held
    booking, and its payment opened with their insurance authorisation."""
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    await insure(api, holder["person"], balance=balance)
    booking = await held_booking(api, admin_headers, clinic, holder)
    code = await auth_code(api, holder["person"])
    return holder, booking, await pay(api, holder, booking["appointment_id"], "wechat", code)


async def account_of(api, person: Person) -> dict:
    """The person's account at the insurance platform: balance, reservation, orders."""
    return (await api.get(f"/mock/insurance/people/{person.id_number}")).json()


async def wechat_order(api, live, out_trade_no: str) -> dict:
    """The order as WeChat Pay has it (a signed orderquery, as the merchant would send)."""
    key = live.settings.wechatpay_api_key
    fields = {"appid": "x", "mch_id": live.settings.wechatpay_mch_id,
              "out_trade_no": out_trade_no, "nonce_str": secrets.token_hex(8)}  # fmt: skip
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
    fields["sign"] = hashlib.md5(f"{text}&key={key}".encode()).hexdigest().upper()
    body = "<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</xml>"
    resp = await api.post("/mock/wechat/pay/orderquery", content=body)
    return dict(xmltodict.parse(resp.text)["xml"])


async def pay(api, holder, appointment_id: str, method: str, code: str | None) -> httpx.Response:
    body = {"appointment_id": appointment_id, "method": method}
    if code is not None:
        body["insurance_auth_code"] = code
    return await api.post("/api/v1/payments", json=body, headers=bearer(holder["token"]))


async def seen(api, holder, kind: str, ident: str) -> dict:
    return (await api.get(f"/api/v1/{kind}/{ident}", headers=bearer(holder["token"]))).json()


async def wait_for_status(api, holder, kind: str, ident: str, status: str) -> dict:
    async def reached() -> bool:
        return (await seen(api, holder, kind, ident))["status"] == status

    await eventually(reached)
    return await seen(api, holder, kind, ident)


async def test_the_insurance_pays_its_part_and_wechat_only_the_self_pay_part(
    api, live, admin_headers, clinic, channel_apps
) -> None:
    holder, booking, started = await insured_booking(
        api, admin_headers, clinic, channel_apps, balance=300
    )
    person = holder["person"]
    assert started.status_code == 201, started.text
    payment = started.json()
    split = payment["insurance"]
    # half the fee from the fund, the whole (small) personal account, the rest self-pay
    assert (split["total"], split["fund"], split["account"], split["self_pay"]) == (
        1500, 750, 300, 450,
    )  # fmt: skip
    assert split["status"] == "presettled" and payment["amount"] == 450
    assert payment["status"] == "created" and payment["params"]["package"].startswith("prepay_id=")
    order = await wechat_order(api, live, payment["payment_id"])
    assert order["trade_state"] == "NOTPAY" and int(order["total_fee"]) == 450
    account = await account_of(api, person)
    assert account["account_balance"] == 300 and account["reserved"] == 300

    await confirm_payment(api, "wechat", payment["params"], duplicate=True)  # two notifies
    await wait_for_status(api, holder, "appointments", booking["appointment_id"], "booked")
    paid = await seen(api, holder, "payments", payment["payment_id"])
    assert paid["status"] == "paid" and paid["insurance"]["status"] == "settled"
    account = await account_of(api, person)
    assert account["account_balance"] == 0 and account["reserved"] == 0
    assert [o["status"] for o in account["orders"]] == ["settled"]

    cancelled = await api.post(
        f"/api/v1/appointments/{booking['appointment_id']}/cancel", headers=bearer(holder["token"])
    )
    assert cancelled.json()["status"] == "cancelled"
    back = await wait_for_status(api, holder, "payments", payment["payment_id"], "refunded")
    assert back["refunded"] == 450 and back["insurance"]["status"] == "refunded"
    account = await account_of(api, person)
    assert account["account_balance"] == 300 and account["orders"][0]["status"] == "refunded"
    assert (await wechat_order(api, live, payment["payment_id"]))["trade_state"] == "REFUND"


async def test_a_fee_the_insurance_covers_in_full_books_without_wechat(
    api, live, admin_headers, clinic, channel_apps
) -> None:
    holder, booking, started = await insured_booking(
        api, admin_headers, clinic, channel_apps, balance=10_000
    )
    person = holder["person"]
    assert started.status_code == 201, started.text
    payment = started.json()
    assert payment["insurance"]["fund"] == 750 and payment["insurance"]["account"] == 750
    assert payment["insurance"]["self_pay"] == 0 and payment["insurance"]["status"] == "settled"
    # nothing went to WeChat Pay: the payment is for 0 fen, paid, by the insurance alone
    assert (payment["amount"], payment["status"], payment["method"]) == (0, "paid", "insu")
    assert payment["params"] == {}
    assert (await wechat_order(api, live, payment["payment_id"]))["err_code"] == "ORDERNOTEXIST"
    assert (await seen(api, holder, "appointments", booking["appointment_id"]))[
        "status"
    ] == "booked"
    assert (await account_of(api, person))["account_balance"] == 10_000 - 750

    await api.post(
        f"/api/v1/appointments/{booking['appointment_id']}/cancel", headers=bearer(holder["token"])
    )
    back = await wait_for_status(api, holder, "payments", payment["payment_id"], "refunded")
    assert back["insurance"]["status"] == "refunded"
    assert (await account_of(api, person))["account_balance"] == 10_000


async def test_refused_authorisations_change_nothing(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    booking = await held_booking(api, admin_headers, clinic, holder)
    appointment_id = booking["appointment_id"]

    uninsured = await pay(
        api, holder, appointment_id, "wechat", await auth_code(api, holder["person"])
    )
    assert uninsured.status_code == 403
    assert uninsured.json()["error"]["code"] == "INSURANCE_NOT_ELIGIBLE"

    someone_else = make_person(random.Random(secrets.randbits(64)))
    await insure(api, someone_else, balance=500)
    their_code = await auth_code(api, someone_else)
    foreign = await pay(api, holder, appointment_id, "wechat", their_code)
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "INSURANCE_HOLDER_MISMATCH"
    untouched = await account_of(api, someone_else)
    assert (untouched["account_balance"], untouched["reserved"], untouched["orders"]) == (
        500,
        0,
        [],
    )

    used = await pay(api, holder, appointment_id, "wechat", their_code)
    assert used.status_code == 400 and used.json()["error"]["code"] == "INSURANCE_AUTH_INVALID"
    with_amount = await api.post(
        "/api/v1/payments",
        json={"appointment_id": appointment_id, "method": "wechat", "amount": 1},
        headers=bearer(holder["token"]),
    )
    assert with_amount.status_code == 422  # the client never sends an amount

    assert (await seen(api, holder, "appointments", appointment_id))["status"] == "pending_payment"
    plain = await pay(api, holder, appointment_id, "wechat", None)
    assert plain.status_code == 201 and plain.json()["amount"] == FEE
    assert plain.json()["insurance"] is None


async def test_insurance_down_is_an_upstream_error_and_the_booking_stays_payable(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    await insure(api, holder["person"], balance=300)
    booking = await held_booking(api, admin_headers, clinic, holder)
    armed = await api.post(
        "/mock/faults", json={"target": "insurance.6101", "mode": "http_500", "count": 1}
    )
    assert armed.status_code == 201
    try:
        down = await pay(
            api, holder, booking["appointment_id"], "wechat", await auth_code(api, holder["person"])
        )
    finally:
        await api.delete("/mock/faults")
    assert down.status_code == 503 and down.json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"

    plain = await pay(api, holder, booking["appointment_id"], "wechat", None)
    assert plain.status_code == 201 and plain.json()["amount"] == FEE
    await confirm_payment(api, "wechat", plain.json()["params"])
    await wait_for_status(api, holder, "appointments", booking["appointment_id"], "booked")


async def test_paying_again_reuses_the_open_pre_settlement(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    person = holder["person"]
    await insure(api, person, balance=300)
    booking = await held_booking(api, admin_headers, clinic, holder)
    first = await pay(
        api, holder, booking["appointment_id"], "wechat", await auth_code(api, person)
    )
    again = await pay(
        api, holder, booking["appointment_id"], "wechat", await auth_code(api, person)
    )
    assert again.status_code == 201, again.text
    assert again.json()["payment_id"] == first.json()["payment_id"]
    assert again.json()["insurance"] == first.json()["insurance"]
    account = await account_of(api, person)
    assert account["reserved"] == 300 and len(account["orders"]) == 1


async def test_a_refused_settlement_gives_the_self_pay_back(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder, booking, started = await insured_booking(
        api, admin_headers, clinic, channel_apps, balance=300
    )
    person = holder["person"]
    payment = started.json()
    await api.post(
        "/mock/faults",
        json={"target": "insurance.6204", "mode": "error", "errcode": "ORDER_STATE", "count": 1},
    )
    try:
        await confirm_payment(api, "wechat", payment["params"])
        back = await wait_for_status(api, holder, "payments", payment["payment_id"], "refunded")
    finally:
        await api.delete("/mock/faults")
    assert back["refunded"] == 450 and back["insurance"]["status"] == "revoked"
    account = await account_of(api, person)
    assert (account["account_balance"], account["reserved"]) == (300, 0)
    assert (await seen(api, holder, "appointments", booking["appointment_id"]))["status"] == (
        "pending_payment"
    )


async def test_alipay_carries_the_self_pay_part_and_cancelling_returns_every_part(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["alipay"]["app_id"], "alipay")
    person = holder["person"]
    await insure(api, person, balance=200, fund_ratio=0.6)
    booking = await held_booking(api, admin_headers, clinic, holder)
    started = await pay(
        api, holder, booking["appointment_id"], "alipay", await auth_code(api, person)
    )
    assert started.status_code == 201, started.text
    payment = started.json()
    split = payment["insurance"]
    assert (split["fund"], split["account"], split["self_pay"]) == (900, 200, 400)
    assert payment["amount"] == 400 and set(payment["params"]) >= {"trade_no"}
    # Alipay's notify is checked against Alipay's own amount: the booking completes only if
    # the trade is for the self-pay part
    await confirm_payment(api, "alipay", payment["params"])
    await wait_for_status(api, holder, "appointments", booking["appointment_id"], "booked")
    assert (await account_of(api, person))["account_balance"] == 0

    await api.post(
        f"/api/v1/appointments/{booking['appointment_id']}/cancel", headers=bearer(holder["token"])
    )
    back = await wait_for_status(api, holder, "payments", payment["payment_id"], "refunded")
    assert back["refunded"] == 400 and back["insurance"]["status"] == "refunded"
    assert (await account_of(api, person))["account_balance"] == 200


@pytest.mark.postgres_only
async def test_a_lapsed_hold_revokes_the_pre_settlement(
    api, live, admin_headers, clinic, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    person = holder["person"]
    await insure(api, person, balance=300)
    env = {**live.env, "EHC_PAY_SECONDS": "1", "EHC_SWEEP_SECONDS": "0.2"}
    with ehc_process(["serve", "--port", str(free_port())], env) as base:
        async with httpx.AsyncClient(base_url=base) as short:
            booking = await held_booking(short, admin_headers, clinic, holder)
            started = await pay(
                short, holder, booking["appointment_id"], "wechat", await auth_code(api, person)
            )
            assert started.status_code == 201, started.text
        assert (await account_of(api, person))["reserved"] == 300
        closed = await wait_for_status(
            api, holder, "payments", started.json()["payment_id"], "closed"
        )
    assert closed["insurance"]["status"] in ("revoking", "revoked")

    async def released() -> bool:
        account = await account_of(api, person)
        return account["reserved"] == 0 and account["orders"][0]["status"] == "revoked"

    await eventually(released)
    assert (await seen(api, holder, "appointments", booking["appointment_id"]))[
        "status"
    ] == "expired"


async def test_settling_and_refunding_are_retried_while_the_insurance_is_down(
    api, admin_headers, clinic, channel_apps
) -> None:
    holder, booking, started = await insured_booking(
        api, admin_headers, clinic, channel_apps, balance=300
    )
    person = holder["person"]
    payment = started.json()
    # the first settle fails: the notify is answered FAIL, WeChat Pay retries, the retry settles
    await api.post("/mock/faults", json={"target": "insurance.6204", "mode": "http_500"})
    await confirm_payment(api, "wechat", payment["params"])
    await wait_for_status(api, holder, "appointments", booking["appointment_id"], "booked")
    assert (await seen(api, holder, "payments", payment["payment_id"]))["insurance"]["status"] == (
        "settled"
    )

    async def taken_on_a_retry() -> bool:
        notify = (await api.get("/mock/wechat/pay/notifies")).json()["notifies"][-1]
        return notify["answered"] and notify["attempts"] >= 2

    await eventually(taken_on_a_retry)
    # the refund at cancel time fails: the payment sweep repeats it until the platform takes it
    await api.post("/mock/faults", json={"target": "insurance.6203", "mode": "http_500"})
    await api.post(
        f"/api/v1/appointments/{booking['appointment_id']}/cancel", headers=bearer(holder["token"])
    )

    async def insurance_refunded() -> bool:
        shown = await seen(api, holder, "payments", payment["payment_id"])
        return shown["insurance"]["status"] == "refunded" and shown["status"] == "refunded"

    await eventually(insurance_refunded)
    assert (await account_of(api, person))["account_balance"] == 300
