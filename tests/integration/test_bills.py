"""HIS bills (诊间结算) through the real API: the hospital system posts a bill for its own
patient, the resident pays it in the mini-program with WeChat Pay (and with medical insurance),
the hospital hears of it once by a signed webhook, refunds one item, and the day's
reconciliation finds every line (API.md "The hospital counter and the HIS")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.partner import bearer
from tests.support.paying import confirm_payment
from tests.support.resident import new_holder
from tests.support.waiting import eventually

ITEMS = [
    {"code": "250101001", "name": "血常规", "quantity": 1, "amount": 2000},
    {"code": "XA01AAA", "name": "阿莫西林胶囊", "quantity": 3, "amount": 1250},
    {"code": "120100001", "name": "肌肉注射", "quantity": 2, "amount": 500},
]
TOTAL = 2000 + 3 * 1250 + 2 * 500


@pytest.fixture(scope="session")
async def his(live, admin_headers, clinic, terminal) -> dict:
    """The test hospital's HIS: its webhook at the stand-in partner server, which checks our
    signature with the terminal's secret; and the hospital known to the insurance platform."""
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        await api.post(
            "/mock/partner/apps",
            json={"app_id": terminal["terminal_id"], "secret": terminal["terminal_secret"]},
        )
        hook = await api.put(
            f"/api/v1/admin/webhooks/{clinic}",
            json={"url": f"{live.base_url}/mock/partner/webhook",
                  "terminal_id": terminal["terminal_id"]},
            headers=admin_headers,
        )  # fmt: skip
        assert hook.status_code == 200, hook.text
        await api.post(
            "/mock/insurance/institutions",
            json={"fixmedins_code": live.settings.insurance_fixmedins_code,
                  "key": live.settings.insurance_key},
        )  # fmt: skip
    return terminal


async def patient_of(api, his, holder) -> tuple[dict, str]:
    """The terminal's headers and the hospital's patient id of the holder (scanned once)."""
    headers = await terminal_headers(api, his)
    qr = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    verified = await api.post(
        "/api/v1/pos/verify", json={"qr": qr, "scene": "payment"}, headers=headers
    )
    assert verified.status_code == 200, verified.text
    return headers, verified.json()["patient_id"]


async def post_bill(api, headers, patient_id: str, visit_no: str, **extra) -> httpx.Response:
    return await api.post(
        "/api/v1/pos/bills",
        json={"patient_id": patient_id, "visit_no": visit_no, "items": ITEMS, **extra},
        headers=headers,
    )


async def webhooks(api, bill_id: str) -> list[dict]:
    got = (await api.get("/mock/partner/messages")).json()["messages"]
    return [m for m in got if m.get("payload", {}).get("bill_id") == bill_id]


async def test_a_bill_is_paid_in_the_mini_program_refunded_by_item_and_reconciled(
    api, live, admin_headers, his, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    headers, patient_id = await patient_of(api, his, holder)

    posted = await post_bill(api, headers, patient_id, "V-" + holder["card"]["card_id"][:8])
    assert posted.status_code == 201, posted.text
    bill = posted.json()
    assert (bill["amount"], bill["status"]) == (TOTAL, "unpaid")
    again = await post_bill(api, headers, patient_id, "V-" + holder["card"]["card_id"][:8])
    assert again.json()["bill_id"] == bill["bill_id"]  # idempotent by visit + bill number

    # The mini-program: the unpaid bills of the resident's cards, then pay one with WeChat.
    mine = await api.get(
        "/api/v1/bills", params={"status": "unpaid"}, headers=bearer(holder["token"])
    )
    listed = {b["bill_id"]: b for b in mine.json()["bills"]}
    assert [i["name"] for i in listed[bill["bill_id"]]["items"]] == [i["name"] for i in ITEMS]
    started = await api.post(
        "/api/v1/payments",
        json={"bill_id": bill["bill_id"], "method": "wechat"},
        headers=bearer(holder["token"]),
    )
    assert started.status_code == 201, started.text
    payment = started.json()
    assert (payment["amount"], payment["bill_id"]) == (TOTAL, bill["bill_id"])
    await confirm_payment(api, "wechat", payment["params"], duplicate=True)

    async def paid() -> bool:
        seen = await api.get(f"/api/v1/pos/bills/{bill['bill_id']}", headers=headers)
        return seen.json()["status"] == "paid"

    await eventually(paid)

    async def told() -> bool:
        return len(await webhooks(api, bill["bill_id"])) > 0

    await eventually(told)
    hooks = await webhooks(api, bill["bill_id"])
    assert [h["event"] for h in hooks] == ["bill_paid"]  # one, signed (the stand-in checked)
    assert hooks[0]["payload"]["amount"] == TOTAL

    # The hospital refunds the injection (line 3, both of them).
    refunded = await api.post(
        f"/api/v1/pos/bills/{bill['bill_id']}/refunds",
        json={"items": [{"line": 3, "quantity": 2}], "reason": "injection not given"},
        headers=headers,
    )
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["amount"] == 1000
    shown = (await api.get(f"/api/v1/pos/bills/{bill['bill_id']}", headers=headers)).json()
    assert (shown["status"], shown["refunded"]) == ("paid", 1000)
    assert shown["items"][2]["refunded_quantity"] == 2
    too_much = await api.post(
        f"/api/v1/pos/bills/{bill['bill_id']}/refunds",
        json={"items": [{"line": 3, "quantity": 1}], "reason": "again"},
        headers=headers,
    )
    assert too_much.json()["error"]["code"] == "REFUND_EXCEEDS_PAID"
    resident_view = await api.get(
        f"/api/v1/payments/{payment['payment_id']}", headers=bearer(holder["token"])
    )
    assert resident_view.json()["refunded"] == 1000

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    day = await api.post(
        "/api/v1/admin/reconciliations",
        json={"date": today, "method": "wechat"},
        headers=admin_headers,
    )
    assert day.status_code == 200, day.text
    references = {d["reference"] for d in day.json()["discrepancies"]}
    assert payment["payment_id"] not in references
    assert refunded.json()["refund_id"] not in references
    assert day.json()["matched"] >= 2  # the bill's payment and its refund, at least


async def test_a_bill_is_paid_with_medical_insurance_and_wechat(
    api, live, his, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    person = holder["person"]
    await api.post(
        "/mock/insurance/people",
        json={"id_number": person.id_number, "name": person.name,
              "account_balance": 300, "fund_ratio": 0.5},
    )  # fmt: skip
    headers, patient_id = await patient_of(api, his, holder)
    bill = (await post_bill(api, headers, patient_id, "VI-" + person.id_number[-6:])).json()
    code = (await api.post(f"/mock/insurance/users/{person.id_number}/auth_code")).json()
    started = await api.post(
        "/api/v1/payments",
        json={"bill_id": bill["bill_id"], "method": "wechat",
              "insurance_auth_code": code["auth_code"]},
        headers=bearer(holder["token"]),
    )  # fmt: skip
    assert started.status_code == 201, started.text
    split = started.json()["insurance"]
    covered = 2000 + 3 * 1250  # the injection is not in the fund's catalogue
    assert split["total"] == TOTAL and split["fund"] == covered // 2 and split["account"] == 300
    assert started.json()["amount"] == split["self_pay"] == TOTAL - covered // 2 - 300
    await confirm_payment(api, "wechat", started.json()["params"])

    async def paid() -> bool:
        seen = await api.get(f"/api/v1/pos/bills/{bill['bill_id']}", headers=headers)
        return seen.json()["status"] == "paid"

    await eventually(paid)
    payment = await api.get(
        f"/api/v1/payments/{started.json()['payment_id']}", headers=bearer(holder["token"])
    )
    assert payment.json()["insurance"]["status"] == "settled"
    partial = await api.post(
        f"/api/v1/pos/bills/{bill['bill_id']}/refunds",
        json={"items": [{"line": 1, "quantity": 1}], "reason": "test not done"},
        headers=headers,
    )
    assert partial.json()["error"]["code"] == "REFUND_NOT_PARTIAL"


async def test_other_hospitals_and_people_see_nothing_and_unpaid_bills_cancel(
    api, admin_headers, his, channel_apps
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    stranger = await new_holder(api, channel_apps["wechat"]["app_id"])
    headers, patient_id = await patient_of(api, his, holder)
    bill = (await post_bill(api, headers, patient_id, "VC-1", bill_no="1")).json()
    other = await api.post(
        "/api/v1/admin/terminals",
        json={"name": "Elsewhere", "institution_code": "H0999", "kind": "counter"},
        headers=admin_headers,
    )
    foreign = await terminal_headers(api, other.json())
    assert (
        await api.get(f"/api/v1/pos/bills/{bill['bill_id']}", headers=foreign)
    ).status_code == 404
    assert (await post_bill(api, foreign, patient_id, "VC-1")).status_code == 404
    theirs = await api.post(
        "/api/v1/payments", json={"bill_id": bill["bill_id"], "method": "wechat"},
        headers=bearer(stranger["token"]),
    )  # fmt: skip
    assert theirs.status_code == 404
    changed = await api.post(
        "/api/v1/pos/bills",
        json={"patient_id": patient_id, "visit_no": "VC-1", "bill_no": "1", "items": ITEMS[:1]},
        headers=headers,
    )
    assert changed.json()["error"]["code"] == "CONFLICT"

    cancelled = await api.post(f"/api/v1/pos/bills/{bill['bill_id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    late = await api.post(
        "/api/v1/payments", json={"bill_id": bill["bill_id"], "method": "wechat"},
        headers=bearer(holder["token"]),
    )  # fmt: skip
    assert late.json()["error"]["code"] == "NOT_PAYABLE"
