"""Same-day registration at the counter and charging the patient's payment code (被扫), with
the platforms' awkward answers: "user paying", a time-out, a refusal (API.md "The hospital
counter and the HIS")."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import datetime, timedelta

import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import SHANGHAI, local_now, new_schedule
from tests.support.partner import bearer
from tests.support.resident import new_holder

FEE = 1200
CHARGES = "/api/v1/pos/charges"
pytestmark = pytest.mark.storage


def _today_slot() -> tuple[datetime, datetime]:
    """A slot of today (local) that has not ended: from now to 20 minutes on, or midnight."""
    start = local_now()
    midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return start, min(start + timedelta(minutes=20), midnight - timedelta(seconds=1))


@pytest.fixture
async def registered(api, admin_headers, clinic, terminal, channel_apps) -> dict:
    """A resident registered at the counter for today's paid schedule, waiting to pay."""
    start, end = _today_slot()
    schedule = await new_schedule(api, admin_headers, clinic, [(start, end, 3)], fee=FEE,
                                  day=start.date())  # fmt: skip
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    headers = await terminal_headers(api, terminal)
    made = await api.post(
        "/api/v1/pos/registrations",
        json={"qr": await qr_payload(api, holder["token"], holder["card"]["card_id"]),
              "schedule_id": schedule["schedule_id"]},
        headers=headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return {"holder": holder, "appointment": made.json(), "headers": headers,
            "schedule": schedule}  # fmt: skip


async def _code(api, platform: str) -> str:
    made = await api.post(f"/mock/{platform}/users/{secrets.token_hex(4)}/payment-code")
    assert made.status_code == 201
    return made.json()["auth_code"]


async def _charge(api, registered: dict, auth_code: str):
    body = {"auth_code": auth_code, "amount": FEE, "subject": "挂号费",
            "appointment_id": registered["appointment"]["appointment_id"]}  # fmt: skip
    return await api.post(CHARGES, json=body, headers=registered["headers"])


async def _status(api, registered: dict) -> str:
    appointment_id = registered["appointment"]["appointment_id"]
    token = registered["holder"]["token"]
    found = await api.get(f"/api/v1/appointments/{appointment_id}", headers=bearer(token))
    return found.json()["status"]


async def _arm(api, target: str, mode: str, delay: float = 0, errcode: str | None = None):
    fault = {"target": target, "mode": mode, "delay": delay, "errcode": errcode}
    assert (await api.post("/mock/faults", json=fault)).status_code == 201


async def _unmatched(api, admin_headers, method: str, charge_ids: set[str]) -> list[dict]:
    """The day's reconciliation: discrepancies touching these charges (none: the platform's
    bill and our books agree on every one)."""
    day = local_now().date().isoformat()
    run = await api.post("/api/v1/admin/reconciliations", json={"date": day, "method": method},
                         headers=admin_headers)  # fmt: skip
    assert run.status_code == 200, run.text
    return [d for d in run.json()["discrepancies"] if d["reference"] in charge_ids]


async def test_registration_then_a_wechat_code_pays_the_booking(
    api, registered, admin_headers
) -> None:
    assert registered["appointment"]["status"] == "pending_payment"
    assert registered["appointment"]["fee"] == FEE
    paid = await _charge(api, registered, await _code(api, "wechat"))
    assert paid.status_code == 201, paid.text
    charge = paid.json()
    assert (charge["method"], charge["status"], charge["amount"]) == ("wechat", "paid", FEE)
    assert await _status(api, registered) == "booked"
    again = await _charge(api, registered, await _code(api, "wechat"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "NOT_PAYABLE"
    read = await api.get(f"{CHARGES}/{charge['charge_id']}", headers=registered["headers"])
    assert read.json()["status"] == "paid"
    assert await _unmatched(api, admin_headers, "wechat", {charge["charge_id"]}) == []
    # taken back at the counter: refunded in full, and the bill says so too
    back = await api.post(f"{CHARGES}/{charge['charge_id']}/reverse",
                          headers=registered["headers"])  # fmt: skip
    assert back.status_code == 200 and back.json()["status"] == "refunded"
    assert await _unmatched(api, admin_headers, "wechat", {charge["charge_id"]}) == []


async def test_an_alipay_payer_confirming_on_the_phone_is_waited_for(api, registered) -> None:
    await _arm(api, "alipay.trade.pay", "user_paying", delay=2)
    began = time.monotonic()
    paid = await _charge(api, registered, await _code(api, "alipay"))
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["method"] == "alipay"
    assert time.monotonic() - began >= 2
    assert await _status(api, registered) == "booked"


async def test_a_refused_code_fails_and_a_new_code_pays(api, registered) -> None:
    await _arm(api, "wechatpay.micropay", "error", errcode="NOTENOUGH")
    failed = await _charge(api, registered, await _code(api, "wechat"))
    assert failed.status_code == 201 and failed.json()["status"] == "failed"
    assert "余额不足" in failed.json()["reason"]
    used = await _charge(api, registered, "134567890123456789")  # nobody's code
    assert used.json()["status"] == "failed"
    not_a_code = await _charge(api, registered, "9" * 18)
    assert not_a_code.status_code == 422
    paid = await _charge(api, registered, await _code(api, "wechat"))
    assert paid.json()["status"] == "paid"


async def test_a_timed_out_charge_found_paid_by_query_is_confirmed_once(
    api, registered, admin_headers
) -> None:
    # The answer comes after 4 s (we wait 3 s); the platform takes the money all the same.
    await _arm(api, "wechatpay.micropay", "timeout", delay=4)
    first = await _charge(api, registered, await _code(api, "wechat"))
    assert first.status_code == 201 and first.json()["status"] == "paid", first.text
    second = await _charge(api, registered, await _code(api, "wechat"))
    assert second.status_code == 409
    assert await _status(api, registered) == "booked"
    assert await _unmatched(api, admin_headers, "wechat", {first.json()["charge_id"]}) == []


async def test_a_timed_out_charge_never_confirmed_is_reversed_and_never_doubled(
    api, registered, admin_headers
) -> None:
    # The answer would come after 9 s: past our 6 s wait. The order is reversed, and the late
    # charge finds it reversed: no money moves. The clerk then charges a new code.
    await _arm(api, "wechatpay.micropay", "timeout", delay=9)
    first = await _charge(api, registered, await _code(api, "wechat"))
    assert first.status_code == 201 and first.json()["status"] == "reversed", first.text
    assert await _status(api, registered) == "pending_payment"
    await asyncio.sleep(4)  # the late charge reaches the platform
    late = await api.get(f"{CHARGES}/{first.json()['charge_id']}", headers=registered["headers"])
    assert late.json()["status"] == "reversed"
    second = await _charge(api, registered, await _code(api, "wechat"))
    assert second.json()["status"] == "paid"
    assert await _status(api, registered) == "booked"
    ids = {first.json()["charge_id"], second.json()["charge_id"]}
    assert await _unmatched(api, admin_headers, "wechat", ids) == []


async def test_charges_of_other_hospitals_and_wrong_amounts_are_refused(api, registered) -> None:
    body = {"auth_code": await _code(api, "wechat"), "amount": FEE + 1, "subject": "挂号费",
            "appointment_id": registered["appointment"]["appointment_id"]}  # fmt: skip
    wrong = await api.post(CHARGES, json=body, headers=registered["headers"])
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "AMOUNT_MISMATCH"
    nobody = await api.get(f"{CHARGES}/PY{'0' * 20}", headers=registered["headers"])
    assert nobody.status_code == 404
    both = {**body, "amount": FEE, "bill_id": "B1"}
    assert (await api.post(CHARGES, json=both, headers=registered["headers"])).status_code == 422
