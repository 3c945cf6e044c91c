"""An HIS bill (诊间结算) charged at the counter with the patient's payment code (被扫): paid
exactly as when the resident pays it in the mini-program (the hospital hears ``bill_paid`` and
sees it paid, the day's reconciliation agrees), refused for the wrong amount, another
hospital's bill, or a bill already paid, cancelled or being paid (API.md "The hospital counter
and the HIS")."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from tests.integration.test_bills import (  # noqa: F401 (his: a fixture)
    TOTAL,
    his,
    patient_of,
    post_bill,
    webhooks,
)
from tests.integration.test_counter_charges import CHARGES, _arm, _code, _unmatched
from tests.support.counter import terminal_headers
from tests.support.partner import bearer
from tests.support.paying import confirm_payment
from tests.support.resident import new_holder
from tests.support.waiting import eventually

pytestmark = pytest.mark.storage


@pytest.fixture
async def unpaid(api, his, clinic, channel_apps) -> dict:  # noqa: F811 (the fixture)
    """A patient of the test hospital with an unpaid bill, and the counter's headers."""
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    headers, patient_id = await patient_of(api, his, holder)
    posted = await post_bill(api, headers, patient_id, "VB-" + secrets.token_hex(6))
    assert posted.status_code == 201, posted.text
    return {"holder": holder, "headers": headers, "patient_id": patient_id, "bill": posted.json()}


async def _charge(api, unpaid: dict, auth_code: str, amount: int = TOTAL, headers=None):
    body = {"auth_code": auth_code, "amount": amount, "subject": "门诊缴费",
            "bill_id": unpaid["bill"]["bill_id"]}  # fmt: skip
    return await api.post(CHARGES, json=body, headers=headers or unpaid["headers"])


async def _bill(api, unpaid: dict) -> dict:
    """The bill as the hospital sees it."""
    seen = await api.get(
        f"/api/v1/pos/bills/{unpaid['bill']['bill_id']}", headers=unpaid["headers"]
    )
    assert seen.status_code == 200, seen.text
    return seen.json()


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
async def test_a_bill_charged_at_the_counter_is_paid_and_the_hospital_is_told(
    api, admin_headers, unpaid, platform
) -> None:
    bill_id = unpaid["bill"]["bill_id"]
    paid = await _charge(api, unpaid, await _code(api, platform))
    assert paid.status_code == 201, paid.text
    charge = paid.json()
    assert (charge["status"], charge["method"], charge["amount"]) == ("paid", platform, TOTAL)
    assert (charge["bill_id"], charge["appointment_id"]) == (bill_id, None)

    shown = await _bill(api, unpaid)
    assert (shown["status"], shown["payment_id"]) == ("paid", charge["charge_id"])
    assert shown["paid_at"] is not None

    async def told() -> bool:
        return len(await webhooks(api, bill_id)) > 0

    await eventually(told)
    hooks = await webhooks(api, bill_id)
    assert [h["event"] for h in hooks] == ["bill_paid"]
    assert (hooks[0]["payload"]["payment_id"], hooks[0]["payload"]["amount"]) == (
        charge["charge_id"], TOTAL,
    )  # fmt: skip
    mine = await api.get("/api/v1/bills", params={"status": "paid"},
                         headers=bearer(unpaid["holder"]["token"]))  # fmt: skip
    assert bill_id in {b["bill_id"] for b in mine.json()["bills"]}

    again = await _charge(api, unpaid, await _code(api, platform))
    assert again.status_code == 409 and again.json()["error"]["code"] == "NOT_PAYABLE"
    read = await api.get(f"{CHARGES}/{charge['charge_id']}", headers=unpaid["headers"])
    assert read.json()["status"] == "paid"
    assert await _unmatched(api, admin_headers, platform, {charge["charge_id"]}) == []


async def test_a_paid_bill_taken_back_at_the_counter_is_refunded_whole(
    api, admin_headers, unpaid
) -> None:
    charge = (await _charge(api, unpaid, await _code(api, "wechat"))).json()
    assert charge["status"] == "paid"
    back = await api.post(f"{CHARGES}/{charge['charge_id']}/reverse", headers=unpaid["headers"])
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "refunded"
    shown = await _bill(api, unpaid)
    assert (shown["status"], shown["refunded"]) == ("refunded", TOTAL)
    assert all(i["refunded_quantity"] == i["quantity"] for i in shown["items"])
    assert await _unmatched(api, admin_headers, "wechat", {charge["charge_id"]}) == []
    twice = await api.post(f"{CHARGES}/{charge['charge_id']}/reverse", headers=unpaid["headers"])
    assert twice.json()["error"]["code"] == "INVALID_STATE"


async def test_wrong_amounts_other_hospitals_and_paid_or_cancelled_bills_are_refused(
    api, admin_headers, unpaid, channel_apps
) -> None:
    bill_id = unpaid["bill"]["bill_id"]
    wrong = await _charge(api, unpaid, await _code(api, "wechat"), amount=TOTAL - 1)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "AMOUNT_MISMATCH"
    other = await api.post(
        "/api/v1/admin/terminals",
        json={"name": "Elsewhere", "institution_code": "H0998", "kind": "counter"},
        headers=admin_headers,
    )
    assert other.status_code == 201, other.text
    foreign = await terminal_headers(api, other.json())
    elsewhere = await _charge(api, unpaid, await _code(api, "wechat"), headers=foreign)
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "NOT_FOUND"
    nobody = await _charge(api, {**unpaid, "bill": {"bill_id": "B" + "0" * 22}},
                           await _code(api, "wechat"))  # fmt: skip
    assert nobody.status_code == 404
    shown = await _bill(api, unpaid)
    assert (shown["status"], shown["payment_id"]) == ("unpaid", None)  # nothing changed

    # Paid in the mini-program meanwhile: the counter may not take it again.
    started = await api.post("/api/v1/payments", json={"bill_id": bill_id, "method": "wechat"},
                             headers=bearer(unpaid["holder"]["token"]))  # fmt: skip
    assert started.status_code == 201, started.text
    await confirm_payment(api, "wechat", started.json()["params"])

    async def paid() -> bool:
        return (await _bill(api, unpaid))["status"] == "paid"

    await eventually(paid)
    late = await _charge(api, unpaid, await _code(api, "alipay"))
    assert late.status_code == 409 and late.json()["error"]["code"] == "NOT_PAYABLE"
    shown = await _bill(api, unpaid)
    assert (shown["status"], shown["payment_id"]) == ("paid", started.json()["payment_id"])

    # A cancelled bill is not charged either.
    headers = unpaid["headers"]
    visit_no = "VX-" + secrets.token_hex(6)
    cancelled = (await post_bill(api, headers, unpaid["patient_id"], visit_no)).json()
    await api.post(f"/api/v1/pos/bills/{cancelled['bill_id']}/cancel", headers=headers)
    refused = await _charge(api, {**unpaid, "bill": cancelled}, await _code(api, "wechat"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "NOT_PAYABLE"


async def test_a_bill_being_paid_is_not_charged_twice_and_a_payer_confirming_is_waited_for(
    api, unpaid
) -> None:
    # The first payer confirms on the phone for 3 s; a second scan meanwhile is refused.
    await _arm(api, "alipay.trade.pay", "user_paying", delay=3)
    first = asyncio.create_task(_charge(api, unpaid, await _code(api, "alipay")))
    await asyncio.sleep(1)
    second = await _charge(api, unpaid, await _code(api, "wechat"))
    assert second.status_code == 409 and second.json()["error"]["code"] == "NOT_PAYABLE"
    done = await first
    assert done.status_code == 201 and done.json()["status"] == "paid", done.text
    assert (await _bill(api, unpaid))["payment_id"] == done.json()["charge_id"]


async def test_an_unconfirmed_bill_charge_is_reversed_and_the_bill_stays_unpaid(
    api, unpaid
) -> None:
    # No answer within our 6 s wait: reversed, no money moves; a new code then pays.
    await _arm(api, "wechatpay.micropay", "timeout", delay=9)
    first = await _charge(api, unpaid, await _code(api, "wechat"))
    assert first.status_code == 201 and first.json()["status"] == "reversed", first.text
    assert (await _bill(api, unpaid))["status"] == "unpaid"
    paid = await _charge(api, unpaid, await _code(api, "wechat"))
    assert paid.json()["status"] == "paid", paid.text
    assert (await _bill(api, unpaid))["payment_id"] == paid.json()["charge_id"]
