"""The counter's department queue, and registrations given back: a refunded registration fee
cancels the registration and frees its place; cancelling a registration at the counter (退号)
refunds its fee (API.md "The hospital counter and the HIS")."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import SHANGHAI, ensure_hospital, local_now, new_doctor, new_schedule
from tests.support.partner import bearer
from tests.support.resident import new_holder

FEE = 800
QUEUE = "/api/v1/pos/queue"
pytestmark = pytest.mark.storage


def _today_slot(minutes: int = 20) -> tuple[datetime, datetime]:
    start = local_now()
    midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return start, min(start + timedelta(minutes=minutes), midnight - timedelta(seconds=1))


@pytest.fixture
async def desk(api, admin_headers, clinic, terminal, channel_apps) -> dict:
    """Today's paid schedule (capacity 2) in a department of its own, and the counter."""
    start, end = _today_slot()
    schedule = await new_schedule(api, admin_headers, clinic, [(start, end, 2)], fee=FEE,
                                  day=start.date())  # fmt: skip
    return {"schedule": schedule, "headers": await terminal_headers(api, terminal),
            "app_id": channel_apps["wechat"]["app_id"]}  # fmt: skip


async def _register(api, desk: dict) -> dict:
    holder = await new_holder(api, desk["app_id"])
    made = await api.post(
        "/api/v1/pos/registrations",
        json={"qr": await qr_payload(api, holder["token"], holder["card"]["card_id"]),
              "schedule_id": desk["schedule"]["schedule_id"]},
        headers=desk["headers"],
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return {"holder": holder, "appointment": made.json()}


async def _pay(api, desk: dict, appointment_id: str) -> dict:
    code = await api.post(f"/mock/wechat/users/{secrets.token_hex(4)}/payment-code")
    body = {"auth_code": code.json()["auth_code"], "amount": FEE, "subject": "挂号费",
            "appointment_id": appointment_id}  # fmt: skip
    paid = await api.post("/api/v1/pos/charges", json=body, headers=desk["headers"])
    assert paid.status_code == 201 and paid.json()["status"] == "paid", paid.text
    return paid.json()


async def _queue(api, desk: dict) -> dict:
    found = await api.get(QUEUE, params={"department_id": desk["schedule"]["department_id"]},
                          headers=desk["headers"])  # fmt: skip
    assert found.status_code == 200, found.text
    return found.json()


async def _remaining(api, desk: dict) -> int:
    schedule = desk["schedule"]
    found = await api.get("/api/v1/schedules", params={"department_id": schedule["department_id"],
                                                       "date": schedule["date"]})  # fmt: skip
    return found.json()["schedules"][0]["slots"][0]["remaining"]


async def _status(api, patient: dict) -> str:
    appointment_id = patient["appointment"]["appointment_id"]
    found = await api.get(f"/api/v1/appointments/{appointment_id}",
                          headers=bearer(patient["holder"]["token"]))  # fmt: skip
    return found.json()["status"]


async def test_the_queue_shows_who_waits_is_checked_in_and_called(api, desk, merchant) -> None:
    first, second = await _register(api, desk), await _register(api, desk)
    listed = await _queue(api, desk)
    assert listed["date"] == desk["schedule"]["date"] and listed["waiting"] == 0
    assert {p["status"] for p in listed["patients"]} == {"pending_payment"}
    for patient in (first, second):
        await _pay(api, desk, patient["appointment"]["appointment_id"])
        card_id = patient["holder"]["card"]["card_id"]
        checked = await api.post("/api/v1/pos/checkin", headers=desk["headers"], json={
            "qr": await qr_payload(api, patient["holder"]["token"], card_id),
            "appointment_id": patient["appointment"]["appointment_id"]})  # fmt: skip
        assert checked.status_code == 200, checked.text
    listed = await _queue(api, desk)
    assert listed["waiting"] == 2
    assert [(p["status"], p["queue_number"], p["ahead"]) for p in listed["patients"]] == [
        ("checked_in", 1, 0), ("checked_in", 2, 1)]  # fmt: skip
    shown = listed["patients"][0]
    person = first["holder"]["person"]
    assert shown["appointment_id"] == first["appointment"]["appointment_id"]
    assert shown["name_masked"][0] == person.name[0] and "*" in shown["name_masked"]
    assert person.name not in str(listed) and person.id_number not in str(listed)
    assert shown["patient_id"] and shown["doctor_name"] and shown["fee"] == FEE
    called = await api.post("/api/v1/pos/queue/next", headers=desk["headers"],
                            json={"schedule_id": desk["schedule"]["schedule_id"]})  # fmt: skip
    assert called.status_code == 200
    listed = await _queue(api, desk)
    assert [(p["status"], p["ahead"]) for p in listed["patients"]] == [
        ("called", None), ("checked_in", 0)]  # fmt: skip
    assert listed["waiting"] == 1


async def test_another_hospitals_department_is_not_found(api, desk, admin_headers) -> None:
    elsewhere = "HQ" + secrets.token_hex(3).upper()
    await ensure_hospital(api, admin_headers, elsewhere)
    department_id, _ = await new_doctor(api, admin_headers, elsewhere)
    found = await api.get(QUEUE, params={"department_id": department_id}, headers=desk["headers"])
    assert found.status_code == 404 and found.json()["error"]["code"] == "NOT_FOUND"
    none = await api.get(QUEUE, params={"department_id": 2**40}, headers=desk["headers"])
    assert none.status_code == 404


async def test_refunding_a_registration_fee_cancels_it_and_frees_the_place(
    api, desk, merchant
) -> None:
    patient = await _register(api, desk)
    assert await _remaining(api, desk) == 1
    charge = await _pay(api, desk, patient["appointment"]["appointment_id"])
    assert await _status(api, patient) == "booked"
    back = await api.post(f"/api/v1/pos/charges/{charge['charge_id']}/reverse",
                          headers=desk["headers"])  # fmt: skip
    assert back.status_code == 200 and back.json()["status"] == "refunded", back.text
    assert await _status(api, patient) == "cancelled"
    assert await _remaining(api, desk) == 2  # the place is back in the pool
    assert (await _queue(api, desk))["patients"] == []
    # the same patient can register again (the old booking is not live)
    holder = patient["holder"]
    again = await api.post("/api/v1/pos/registrations", headers=desk["headers"], json={
        "qr": await qr_payload(api, holder["token"], holder["card"]["card_id"]),
        "schedule_id": desk["schedule"]["schedule_id"]})  # fmt: skip
    assert again.status_code == 201, again.text


async def test_cancelling_a_paid_registration_at_the_counter_refunds_it(
    api, desk, merchant
) -> None:
    patient = await _register(api, desk)
    appointment_id = patient["appointment"]["appointment_id"]
    charge = await _pay(api, desk, appointment_id)
    cancel = f"/api/v1/pos/registrations/{appointment_id}/cancel"
    done = await api.post(cancel, headers=desk["headers"])
    assert done.status_code == 200 and done.json()["status"] == "cancelled", done.text
    read = await api.get(f"/api/v1/pos/charges/{charge['charge_id']}", headers=desk["headers"])
    assert read.json()["status"] == "refunded"
    assert await _remaining(api, desk) == 2
    twice = await api.post(cancel, headers=desk["headers"])  # nothing left to give back
    assert twice.status_code == 200
    assert (await api.get(f"/api/v1/pos/charges/{charge['charge_id']}",
                          headers=desk["headers"])).json()["status"] == "refunded"  # fmt: skip
    unpaid = await _register(api, desk)  # a registration waiting to pay: just cancelled
    gone = await api.post(f"/api/v1/pos/registrations/{unpaid['appointment']['appointment_id']}"
                          "/cancel", headers=desk["headers"])  # fmt: skip
    assert gone.status_code == 200 and await _status(api, unpaid) == "cancelled"
    nobody = await api.post("/api/v1/pos/registrations/AP0000000000000000/cancel",
                            headers=desk["headers"])  # fmt: skip
    assert nobody.status_code == 404


async def test_a_stopped_schedule_refunds_fees_charged_at_the_counter(
    api, desk, merchant, admin_headers
) -> None:
    patient = await _register(api, desk)
    charge = await _pay(api, desk, patient["appointment"]["appointment_id"])
    schedule_id = desk["schedule"]["schedule_id"]
    stopped = await api.post(f"/api/v1/admin/schedules/{schedule_id}/stop",
                             json={"reason": "医生临时停诊"}, headers=admin_headers)  # fmt: skip
    assert stopped.status_code == 200 and stopped.json()["cancelled"] == 1, stopped.text
    assert await _status(api, patient) == "cancelled"
    read = await api.get(f"/api/v1/pos/charges/{charge['charge_id']}", headers=desk["headers"])
    assert read.json()["status"] == "refunded"
