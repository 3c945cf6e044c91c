"""Booking against the running API (API.md "Appointments", "/pos/checkin", "/pos/queue/next")."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import (
    ensure_hospital,
    local_now,
    new_schedule,
    one_slot,
    tomorrow_at,
)
from tests.support.partner import bearer
from tests.support.resident import new_holder

BOOK = "/api/v1/appointments"


@pytest.fixture(scope="session")
async def hospital(live, admin_headers, terminal) -> str:
    """The terminal's hospital, with check-in open from booking (as the demo's)."""
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        await ensure_hospital(api, admin_headers, terminal["institution_code"], None)
    return terminal["institution_code"]


@pytest.fixture
async def holder(api, channel_apps) -> dict:
    return await new_holder(api, channel_apps["wechat"]["app_id"])


async def book(api, holder: dict, slot_id: int):
    return await api.post(
        BOOK, json={"card_id": holder["card"]["card_id"], "slot_id": slot_id},
        headers=bearer(holder["token"]),
    )  # fmt: skip


async def remaining(api, schedule: dict) -> list[int]:
    resp = await api.get(
        "/api/v1/schedules",
        params={"department_id": schedule["department_id"], "date": schedule["date"]},
    )
    assert resp.status_code == 200, resp.text
    (found,) = [s for s in resp.json()["schedules"] if s["schedule_id"] == schedule["schedule_id"]]
    return [slot["remaining"] for slot in found["slots"]]


async def test_catalogue_is_public_and_times_are_local(api, admin_headers, hospital) -> None:
    schedule, _ = await one_slot(api, admin_headers, hospital, fee=1500, start=tomorrow_at(9))
    depts = await api.get(f"/api/v1/hospitals/{hospital}/departments")
    assert depts.status_code == 200
    assert schedule["department_id"] in [d["department_id"] for d in depts.json()["departments"]]
    listed = await api.get(
        "/api/v1/schedules",
        params={"department_id": schedule["department_id"], "date": schedule["date"]},
    )
    (found,) = listed.json()["schedules"]
    assert found["fee"] == 1500 and found["doctor"]["title"] == "主治医师"
    assert found["slots"][0]["start"].endswith("T09:00:00+08:00")
    assert found["slots"][0]["remaining"] == 5
    missing = await api.get("/api/v1/hospitals/NOPE/departments")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"


async def test_free_booking_is_booked_and_one_per_card_per_schedule(
    api, admin_headers, hospital, holder
) -> None:
    schedule = await new_schedule(
        api, admin_headers, hospital,
        [(tomorrow_at(9), tomorrow_at(9, 30), 5), (tomorrow_at(9, 30), tomorrow_at(10), 5)],
    )  # fmt: skip
    first, second = (s["slot_id"] for s in schedule["slots"])
    made = await book(api, holder, first)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "booked" and body["fee"] == 0 and body["pay_before"] is None
    again = await book(api, holder, second)
    assert again.status_code == 409 and again.json()["error"]["code"] == "DUPLICATE_BOOKING"
    assert await remaining(api, schedule) == [4, 5]  # nothing half-booked


async def test_paid_booking_is_held_until_pay_before(api, admin_headers, hospital, holder) -> None:
    _, slot_id = await one_slot(api, admin_headers, hospital, fee=1500)
    made = await book(api, holder, slot_id)
    body = made.json()
    assert made.status_code == 201 and body["status"] == "pending_payment"
    assert body["fee"] == 1500 and body["pay_before"].endswith("+08:00")
    pay_before = datetime.fromisoformat(body["pay_before"])
    assert timedelta(minutes=14) < pay_before - local_now() <= timedelta(minutes=15)
    shown = await api.get(f"{BOOK}/{body['appointment_id']}", headers=bearer(holder["token"]))
    assert shown.json()["status"] == "pending_payment" and shown.json()["queue"] is None


async def test_rush_never_overbooks(api, admin_headers, hospital, channel_apps) -> None:
    schedule, slot_id = await one_slot(api, admin_headers, hospital, capacity=5)
    residents = await asyncio.gather(
        *(new_holder(api, channel_apps["wechat"]["app_id"]) for _ in range(30))
    )
    answers = await asyncio.gather(*(book(api, r, slot_id) for r in residents))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 5 + [409] * 25
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"SLOT_FULL"}
    assert await remaining(api, schedule) == [0]


async def test_bad_bookings_are_refused_with_codes(
    api, admin_headers, hospital, holder, channel_apps
) -> None:
    # a slot in the past
    past = local_now() - timedelta(hours=2)
    _, past_slot = await one_slot(api, admin_headers, hospital, start=past)
    closed = await book(api, holder, past_slot)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "BOOKING_CLOSED"
    # ten days ahead: booking opens 7 days before, at 07:00
    _, far_slot = await one_slot(
        api, admin_headers, hospital, start=tomorrow_at(9) + timedelta(days=9)
    )
    early = await book(api, holder, far_slot)
    assert early.status_code == 409 and early.json()["error"]["code"] == "BOOKING_NOT_OPEN"
    # someone else's card, an unknown slot
    other = await new_holder(api, channel_apps["wechat"]["app_id"])
    schedule, slot_id = await one_slot(api, admin_headers, hospital)
    foreign = await api.post(
        BOOK, json={"card_id": other["card"]["card_id"], "slot_id": slot_id},
        headers=bearer(holder["token"]),
    )  # fmt: skip
    assert foreign.status_code == 404
    unknown = await book(api, holder, 987654321)
    assert unknown.status_code == 404
    # a lost card
    await api.post(
        f"/api/v1/cards/{holder['card']['card_id']}/loss", headers=bearer(holder["token"])
    )
    lost = await book(api, holder, slot_id)
    assert lost.status_code == 403 and lost.json()["error"]["code"] == "CARD_LOST"
    assert await remaining(api, schedule) == [5]


async def test_cancel_frees_the_place_until_the_cut_off(
    api, admin_headers, hospital, holder
) -> None:
    schedule, slot_id = await one_slot(api, admin_headers, hospital, capacity=1)
    made = (await book(api, holder, slot_id)).json()
    assert await remaining(api, schedule) == [0]
    cancelled = await api.post(
        f"{BOOK}/{made['appointment_id']}/cancel", headers=bearer(holder["token"])
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await remaining(api, schedule) == [1]
    rebooked = await book(api, holder, slot_id)  # a cancelled booking no longer counts
    assert rebooked.status_code == 201
    # a slot starting in 30 minutes: the 60-minute cut-off has passed
    _, soon = await one_slot(
        api, admin_headers, hospital, start=local_now() + timedelta(minutes=30)
    )
    late = (await book(api, holder, soon)).json()
    refused = await api.post(
        f"{BOOK}/{late['appointment_id']}/cancel", headers=bearer(holder["token"])
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "CANCEL_CLOSED"


async def test_checkin_queue_and_calling(
    api, admin_headers, hospital, terminal, channel_apps
) -> None:
    schedule, slot_id = await one_slot(api, admin_headers, hospital)
    first, second = await asyncio.gather(
        *(new_holder(api, channel_apps["wechat"]["app_id"]) for _ in range(2))
    )
    a1 = (await book(api, first, slot_id)).json()["appointment_id"]
    a2 = (await book(api, second, slot_id)).json()["appointment_id"]
    pos = await terminal_headers(api, terminal)

    async def check_in(holder: dict, appointment_id: str):
        code = await qr_payload(api, holder["token"], holder["card"]["card_id"])
        return await api.post(
            "/api/v1/pos/checkin", json={"qr": code, "appointment_id": appointment_id}, headers=pos
        )

    wrong = await check_in(second, a1)  # the other patient's code
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "CARD_MISMATCH"
    one = await check_in(first, a1)
    assert one.status_code == 200, one.text
    assert one.json() == {"appointment_id": a1, "queue_number": 1, "ahead": 0}
    two = (await check_in(second, a2)).json()
    assert two["queue_number"] == 2 and two["ahead"] == 1
    seen = await api.get(f"{BOOK}/{a2}", headers=bearer(second["token"]))
    assert seen.json()["status"] == "checked_in" and seen.json()["queue"] == {
        "number": 2,
        "ahead": 1,
    }

    nxt = "/api/v1/pos/queue/next"
    called = await api.post(nxt, json={"schedule_id": schedule["schedule_id"]}, headers=pos)
    assert called.status_code == 200 and called.json()["appointment_id"] == a1
    assert called.json()["status"] == "called"
    seen = await api.get(f"{BOOK}/{a2}", headers=bearer(second["token"]))
    assert seen.json()["queue"] == {"number": 2, "ahead": 0}
    called = await api.post(nxt, json={"schedule_id": schedule["schedule_id"]}, headers=pos)
    assert called.json()["appointment_id"] == a2
    done = await api.get(f"{BOOK}/{a1}", headers=bearer(first["token"]))
    assert done.json()["status"] == "completed"
    empty = await api.post(nxt, json={"schedule_id": schedule["schedule_id"]}, headers=pos)
    assert empty.status_code == 404 and empty.json()["error"]["code"] == "QUEUE_EMPTY"
    # the resident heard of each step
    inbox = await api.get("/api/v1/messages", headers=bearer(first["token"]))
    events = [m["event"] for m in inbox.json()["messages"]]
    assert events[:3] == ["called", "checked_in", "booking_confirmed"]
    assert inbox.json()["messages"][0]["payload"]["room"] == "101"


async def test_unpaid_and_other_hospitals_bookings_cannot_check_in(
    api, admin_headers, hospital, terminal, holder
) -> None:
    _, slot_id = await one_slot(api, admin_headers, hospital, fee=800)
    unpaid = (await book(api, holder, slot_id)).json()["appointment_id"]
    pos = await terminal_headers(api, terminal)
    code = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    refused = await api.post(
        "/api/v1/pos/checkin", json={"qr": code, "appointment_id": unpaid}, headers=pos
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "NOT_PAID"
    await ensure_hospital(api, admin_headers, "H0777", checkin_opens_minutes=60)
    _, elsewhere = await one_slot(api, admin_headers, "H0777")
    theirs = (await book(api, holder, elsewhere)).json()["appointment_id"]
    foreign = await api.post(
        "/api/v1/pos/checkin", json={"qr": code, "appointment_id": theirs}, headers=pos
    )
    assert foreign.status_code == 404


async def test_checkin_window_of_a_hospital_that_sets_one(api, admin_headers, live, holder) -> None:
    await ensure_hospital(api, admin_headers, "H0888", checkin_opens_minutes=60)
    made = await api.post(
        "/api/v1/admin/terminals",
        json={"name": "W", "institution_code": "H0888"},
        headers=admin_headers,
    )
    _, slot_id = await one_slot(api, admin_headers, "H0888", start=tomorrow_at(10))
    booked = (await book(api, holder, slot_id)).json()["appointment_id"]
    pos = await terminal_headers(api, made.json())
    code = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    early = await api.post(
        "/api/v1/pos/checkin", json={"qr": code, "appointment_id": booked}, headers=pos
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "CHECKIN_CLOSED"


async def test_stopping_a_schedule_cancels_and_tells_its_patients(
    api, admin_headers, hospital, holder
) -> None:
    schedule, slot_id = await one_slot(api, admin_headers, hospital)
    made = (await book(api, holder, slot_id)).json()["appointment_id"]
    stopped = await api.post(
        f"/api/v1/admin/schedules/{schedule['schedule_id']}/stop",
        json={"reason": "医生停诊"}, headers=admin_headers,
    )  # fmt: skip
    assert stopped.status_code == 200 and stopped.json()["cancelled"] == 1
    seen = await api.get(f"{BOOK}/{made}", headers=bearer(holder["token"]))
    assert seen.json()["status"] == "cancelled"
    inbox = (await api.get("/api/v1/messages", headers=bearer(holder["token"]))).json()
    assert inbox["messages"][0]["event"] == "schedule_stopped"
    assert inbox["messages"][0]["payload"]["reason"] == "医生停诊"
    again = await book(api, holder, slot_id)
    assert again.status_code == 409 and again.json()["error"]["code"] == "SCHEDULE_STOPPED"


async def test_no_shows_suspend_booking(api, admin_headers, hospital, holder) -> None:
    soon = local_now() + timedelta(seconds=2)
    for _ in range(3):
        _, slot_id = await one_slot(api, admin_headers, hospital, start=soon, minutes=1 / 60)
        assert (await book(api, holder, slot_id)).status_code == 201
    deadline = asyncio.get_running_loop().time() + 15
    while True:  # the sweeper marks them missed once their slots are over
        mine = (await api.get(BOOK, headers=bearer(holder["token"]))).json()["appointments"]
        if [a["status"] for a in mine] == ["missed"] * 3:
            break
        assert asyncio.get_running_loop().time() < deadline, mine
        await asyncio.sleep(0.3)
    _, later = await one_slot(api, admin_headers, hospital)
    suspended = await book(api, holder, later)
    assert suspended.status_code == 403
    assert suspended.json()["error"]["code"] == "BOOKING_SUSPENDED"


async def test_reminders_arrive_before_the_visit(api, admin_headers, hospital, holder) -> None:
    # The test server reminds 6 s and 3 s before a slot (24 h and 2 h by default).
    _, slot_id = await one_slot(
        api, admin_headers, hospital, start=local_now() + timedelta(seconds=8), minutes=1
    )
    assert (await book(api, holder, slot_id)).status_code == 201
    deadline = asyncio.get_running_loop().time() + 12
    while True:
        inbox = (await api.get("/api/v1/messages", headers=bearer(holder["token"]))).json()
        reminders = [m for m in inbox["messages"] if m["event"] == "visit_reminder"]
        if len(reminders) == 2:
            break
        assert asyncio.get_running_loop().time() < deadline, inbox
        await asyncio.sleep(0.3)
    assert [round(m["payload"]["hours_before"] * 3600) for m in reminders] == [3, 6]
    assert reminders[0]["payload"]["start"].endswith("+08:00")


async def test_schedule_import_keeps_good_rows_and_reports_bad_ones(
    api, admin_headers, hospital, live, tmp_path
) -> None:
    day = (local_now() + timedelta(days=2)).date().isoformat()
    header = (
        "hospital_code,department_code,department_name,doctor_code,doctor_name,doctor_title,"
        "date,period,start,end,slot_minutes,capacity,fee,room"
    )
    rows = [
        f"{hospital},IMP,导入科,IM01,刘医生,主任医师,{day},morning,08:00,10:00,30,4,1500,201",
        f"{hospital},IMP,导入科,IM02,孙医生,医师,{day},afternoon,14:00,15:00,20,2,0,202",
        f"NOPE,IMP,导入科,IM03,周医生,医师,{day},morning,08:00,10:00,30,4,1500,203",
        f"{hospital},IMP,导入科,IM04,吴医生,医师,2026-02-30,morning,08:00,10:00,30,4,1500,204",
        f"{hospital},IMP,导入科,IM05,郑医生,医师,{day},morning,08:00,10:00,30,,1500,205",
    ]
    path = tmp_path / "schedules.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = live.ehc("schedules", "import", str(path), check=False)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "2 schedules imported, 3 rows refused" in out.stdout
    assert f"{path}:4: unknown hospital NOPE" in out.stdout
    assert f"{path}:5:" in out.stdout and f"{path}:6: missing capacity" in out.stdout
    assert "5/5" in out.stderr  # the progress bar reached the end
    depts = (await api.get(f"/api/v1/hospitals/{hospital}/departments")).json()["departments"]
    (imported,) = [d for d in depts if d["code"] == "IMP"]
    listed = await api.get(
        "/api/v1/schedules", params={"department_id": imported["department_id"], "date": day}
    )
    slots = [len(s["slots"]) for s in listed.json()["schedules"]]
    assert slots == [4, 3]
