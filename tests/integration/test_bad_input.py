"""Bad input is a 4xx, never a 500 (issue 14, "Bad input → 500"): every case below answered
500 on PostgreSQL before the bounds of ``api/bounds.py``."""

from __future__ import annotations

import pytest

from tests.support.counter import terminal_headers
from tests.support.partner import bearer
from tests.support.resident import new_holder, wechat_session

TOO_BIG = 2**63  # one past PostgreSQL's BIGINT


@pytest.fixture
async def resident(api, channel_apps) -> dict[str, str]:
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], "bad-input-resident")
    return bearer(session["token"])


@pytest.fixture
async def pos(api, terminal) -> dict[str, str]:
    return await terminal_headers(api, terminal)


def refused(resp, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code


async def test_nul_in_a_path_names_nothing(api) -> None:
    refused(await api.get("/api/v1/hospitals/%00/departments"), 404, "NOT_FOUND")


async def test_nul_in_a_body_is_a_validation_error(api) -> None:
    body = {"client_id": "a\u0000", "timestamp": "1", "nonce": "n", "signature": "s"}
    refused(await api.post("/api/v1/auth/token", json=body), 422, "VALIDATION_ERROR")


async def test_integer_past_bigint_in_a_query_is_a_validation_error(api) -> None:
    resp = await api.get(
        "/api/v1/schedules", params={"department_id": str(TOO_BIG), "date": "2030-01-01"}
    )
    refused(resp, 422, "VALIDATION_ERROR")


async def test_integer_past_bigint_in_a_body_is_a_validation_error(api, resident, pos) -> None:
    book = await api.post(
        "/api/v1/appointments", json={"card_id": "c", "slot_id": TOO_BIG}, headers=resident
    )
    refused(book, 422, "VALIDATION_ERROR")
    for schedule_id in (TOO_BIG, -1.5e29):
        called = await api.post(
            "/api/v1/pos/queue/next", json={"schedule_id": schedule_id}, headers=pos
        )
        refused(called, 422, "VALIDATION_ERROR")


async def test_refund_amount_past_the_column_is_a_validation_error(api, admin_headers) -> None:
    resp = await api.post(
        "/api/v1/payments/pay123/refund",
        json={"amount": TOO_BIG, "reason": "x"},
        headers=admin_headers,
    )
    refused(resp, 422, "VALIDATION_ERROR")


async def test_integer_past_bigint_in_a_path_names_nothing(api, admin_headers) -> None:
    for path in (
        f"/api/v1/admin/schedules/{TOO_BIG}/stop",
        f"/api/v1/admin/departments/{TOO_BIG}/doctors",
    ):
        body = {"reason": "ill"} if path.endswith("stop") else {"code": "D", "name": "张"}
        refused(await api.post(path, json=body, headers=admin_headers), 404, "NOT_FOUND")
    resp = await api.delete(f"/api/v1/admin/blacklist/{TOO_BIG}", headers=admin_headers)
    refused(resp, 404, "NOT_FOUND")


async def test_ids_longer_than_their_column(api, resident, admin_headers) -> None:
    refused(await api.get("/api/v1/cards/" + "c" * 65, headers=resident), 404, "NOT_FOUND")
    refused(await api.get("/api/v1/appointments/" + "a" * 25, headers=resident), 404, "NOT_FOUND")
    refused(await api.get(f"/api/v1/hospitals/{'H' * 33}/departments"), 404, "NOT_FOUND")
    book = await api.post(
        "/api/v1/appointments", json={"card_id": "c" * 65, "slot_id": 1}, headers=resident
    )
    refused(book, 422, "VALIDATION_ERROR")
    made = await api.post(
        "/api/v1/admin/terminals",
        json={"name": "w", "institution_code": "I" * 33},
        headers=admin_headers,
    )
    refused(made, 422, "VALIDATION_ERROR")


async def test_json_nested_a_thousand_deep_is_malformed(api) -> None:
    deep = '{"client_id": ' + "[" * 1000 + "]" * 1000 + "}"
    resp = await api.post(
        "/api/v1/auth/token", content=deep, headers={"content-type": "application/json"}
    )
    refused(resp, 400, "MALFORMED_JSON")


async def test_json_nested_past_the_interpreter_limit_is_malformed(api) -> None:
    deep = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    resp = await api.post(
        "/api/v1/auth/token", content=deep, headers={"content-type": "application/json"}
    )
    refused(resp, 400, "MALFORMED_JSON")


async def test_qr_whose_expiry_is_zero_or_one_is_malformed(api, live, pos, clinic) -> None:
    for expires in ("0", "1"):
        payload = f"EHC1:D:{live.settings.issuer}:0123456789abcdef:{expires}:abcdef0123:12345678"
        verify = await api.post("/api/v1/pos/verify", json={"qr": payload}, headers=pos)
        refused(verify, 400, "QR_MALFORMED")
        checkin = await api.post(
            "/api/v1/pos/checkin", json={"qr": payload, "appointment_id": "A1"}, headers=pos
        )
        assert checkin.status_code in (400, 404), checkin.text


async def test_checkin_window_past_its_column_is_refused(api, admin_headers) -> None:
    for minutes in (1e20, 2**31, 10**10):
        body = {"code": "HBIG", "name": "大医院", "checkin_opens_minutes": minutes}
        made = await api.post("/api/v1/admin/hospitals", json=body, headers=admin_headers)
        refused(made, 422, "VALIDATION_ERROR")


async def test_stats_with_extreme_dates_are_refused(api, admin_headers) -> None:
    for params in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0001-01-01",
                   "to": "9999-12-31"}):  # fmt: skip
        resp = await api.get("/api/v1/admin/stats", params=params, headers=admin_headers)
        refused(resp, 422, "VALIDATION_ERROR")


async def test_a_hospital_on_mars_is_refused_at_creation(api, admin_headers) -> None:
    body = {"code": "HMARS", "name": "火星医院", "timezone": "Mars/Olympus_Mons"}
    made = await api.post("/api/v1/admin/hospitals", json=body, headers=admin_headers)
    refused(made, 422, "VALIDATION_ERROR")
    assert (await api.get("/api/v1/hospitals/HMARS/departments")).status_code == 404


async def test_names_refuse_nul_controls_and_bidi_overrides(api, admin_headers, clinic) -> None:
    for name in ("内科\u0000", "内\u202e科", "内\u2066科", "内\n科"):
        made = await api.post(
            f"/api/v1/admin/hospitals/{clinic}/departments",
            json={"code": "DBAD", "name": name},
            headers=admin_headers,
        )
        refused(made, 422, "VALIDATION_ERROR")


async def test_fee_past_the_column_is_refused(api, admin_headers) -> None:
    body = {
        "doctor_id": 1, "date": "2030-01-01", "period": "morning", "fee": 2**31,
        "slots": [{"start": "2030-01-01T09:00:00+08:00", "end": "2030-01-01T09:30:00+08:00",
                   "capacity": 1}],
    }  # fmt: skip
    made = await api.post("/api/v1/admin/schedules", json=body, headers=admin_headers)
    refused(made, 422, "VALIDATION_ERROR")


async def test_import_rows_out_of_bounds_are_reported_not_crashed(
    api, admin_headers, clinic
) -> None:
    row = {
        "hospital_code": clinic, "department_code": "D\u0000", "department_name": "内科",
        "doctor_code": "DR1", "doctor_name": "张", "date": "2030-01-01", "period": "morning",
        "start": "08:00", "end": "09:00", "slot_minutes": 30, "capacity": 2, "fee": TOO_BIG,
    }  # fmt: skip
    resp = await api.post(
        "/api/v1/admin/schedules/import", json={"rows": [row]}, headers=admin_headers
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["created"] == 0
    assert "department_code" in report["problems"][0]["reason"]
    assert "fee" in report["problems"][0]["reason"]


async def test_a_card_holders_name_refuses_emoji_digits_and_symbols(api, channel_apps) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    for name in ("张三😀", "张3", "张$三"):
        body = {"name": name, "id_type": "01", "id_number": "11010519491231002X",
                "phone": "13800138000", "otp": "000000", "relation": "self"}  # fmt: skip
        made = await api.post("/api/v1/cards", json=body, headers=bearer(holder["token"]))
        refused(made, 422, "VALIDATION_ERROR")
