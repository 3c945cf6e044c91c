"""The appointments part of the contract against ``ehc demo``: a resident books the demo
hospital's clinics, checks in at the demo counter and is called; an unpaid hold that lapses
while the demo is stopped is released when it starts again."""

from __future__ import annotations

import asyncio
import random
import secrets
from datetime import timedelta

import httpx

from tests.integration.test_commands import CLEAN_ENV, read_credentials
from tests.integration.test_messages import wechat_template
from tests.support.admin import AdminAccount, sign_in
from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import local_now
from tests.support.partner import bearer
from tests.support.paying import confirm_payment
from tests.support.people import make_person
from tests.support.processes import ehc_process, free_port
from tests.support.resident import collect, register_person, wechat_session

GRANTS = ["booking_confirmed", "payment_received", "checked_in", "called"]
ENV = {**CLEAN_ENV, "EHC_PAY_SECONDS": "2", "EHC_SWEEP_SECONDS": "3600"}


async def first_slot(api: httpx.AsyncClient, hospital: str, department: str) -> tuple[dict, dict]:
    """Tomorrow's first schedule and slot of a demo department (by name)."""
    depts = (await api.get(f"/api/v1/hospitals/{hospital}/departments")).json()["departments"]
    (dept,) = [d for d in depts if d["name"] == department]
    day = (local_now() + timedelta(days=1)).date().isoformat()
    found = await api.get(
        "/api/v1/schedules", params={"department_id": dept["department_id"], "date": day}
    )
    schedule = found.json()["schedules"][0]
    return schedule, schedule["slots"][0]


async def test_demo_booking_checkin_call_and_a_hold_released_after_restart(tmp_path) -> None:
    port = str(free_port())
    user = "walker-" + secrets.token_hex(3)
    with ehc_process(["demo", "--port", port], ENV, cwd=tmp_path) as base:
        creds = read_credentials(tmp_path / "demo-credentials.json")
        async with httpx.AsyncClient(base_url=base, timeout=30) as api:
            wx = creds["apps"]["wechat"]["app_id"]
            session = await wechat_session(api, wx, user)
            openid = (await api.post(f"/mock/wechat/users/{user}/code", json={"appid": wx})).json()[
                "openid"
            ]
            await api.post(
                "/mock/wechat/subscriptions",
                json={"openid": openid, "template_ids": [wechat_template(e) for e in GRANTS]},
            )
            await api.post(
                "/api/v1/messages/subscriptions",
                json={"templates": GRANTS},
                headers=bearer(session["token"]),
            )
            person = make_person(random.Random(secrets.randbits(64)))
            await register_person(api, person)
            card = (await collect(api, session["token"], person)).json()
            me = bearer(session["token"])
            hospital = creds["hospital_code"]

            free_schedule, free_slot = await first_slot(api, hospital, "便民门诊")
            assert free_schedule["fee"] == 0 and free_slot["remaining"] == 5
            paid_schedule, paid_slot = await first_slot(api, hospital, "内科")
            assert paid_schedule["fee"] > 0

            booked = await api.post(
                "/api/v1/appointments",
                json={"card_id": card["card_id"], "slot_id": free_slot["slot_id"]},
                headers=me,
            )
            assert booked.status_code == 201 and booked.json()["status"] == "booked"
            held = await api.post(
                "/api/v1/appointments",
                json={"card_id": card["card_id"], "slot_id": paid_slot["slot_id"]},
                headers=me,
            )
            assert held.status_code == 201 and held.json()["status"] == "pending_payment"

            pos = await terminal_headers(api, creds["terminal"])
            code = await qr_payload(api, session["token"], card["card_id"])
            appointment_id = booked.json()["appointment_id"]
            checked = await api.post(
                "/api/v1/pos/checkin",
                json={"qr": code, "appointment_id": appointment_id},
                headers=pos,
            )
            assert checked.status_code == 200, checked.text  # the demo opens check-in at booking
            assert checked.json()["ahead"] == 0
            called = await api.post(
                "/api/v1/pos/queue/next",
                json={"schedule_id": free_schedule["schedule_id"]},
                headers=pos,
            )
            assert called.json()["appointment_id"] == appointment_id
            # pay for a second paid booking through the stand-in WeChat Pay
            _, other_slot = await first_slot(api, hospital, "儿科")
            second = await api.post(
                "/api/v1/appointments",
                json={"card_id": card["card_id"], "slot_id": other_slot["slot_id"]},
                headers=me,
            )
            paying = await api.post(
                "/api/v1/payments",
                json={"appointment_id": second.json()["appointment_id"], "method": "wechat"},
                headers=me,
            )
            assert paying.status_code == 201, paying.text
            await confirm_payment(api, "wechat", paying.json()["params"])

            async def heard_everything() -> bool:
                inbox = (await api.get("/api/v1/messages", headers=me)).json()["messages"]
                settled = ("delivered", "inbox_only")
                events = {m["event"] for m in inbox if m["status"] in settled}
                return set(GRANTS) <= events

            deadline = asyncio.get_running_loop().time() + 20
            while not await heard_everything():
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.2)
            wechat = await api.get("/mock/wechat/messages", params={"openid": openid})
            received = sorted(m["template_id"] for m in wechat.json()["messages"])
            # one grant each: the second confirmation stays in the inbox only
            assert received == sorted(wechat_template(e) for e in GRANTS)
            # the card centre's day closes: today's WeChat Pay bill agrees with our books
            admin = creds["admin"]
            account = AdminAccount(admin["username"], admin["password"], admin["totp_secret"])
            staff = bearer(await sign_in(api, account))
            today = local_now().date().isoformat()
            closed = await api.post(
                "/api/v1/admin/reconciliations",
                json={"date": today, "method": "wechat"},
                headers=staff,
            )
            assert closed.status_code == 200, closed.text
            assert closed.json()["matched"] >= 1 and closed.json()["discrepancies"] == []
    await asyncio.sleep(2.5)  # the 2-second hold lapses while the demo is down
    with ehc_process(["demo", "--port", port], ENV, cwd=tmp_path) as base:
        read_credentials(tmp_path / "demo-credentials.json")  # seeded again
        async with httpx.AsyncClient(base_url=base, timeout=30) as api:
            session = await wechat_session(api, wx, user)  # the same user, a new session
            seen = await api.get(
                f"/api/v1/appointments/{held.json()['appointment_id']}",
                headers=bearer(session["token"]),
            )
            assert seen.json()["status"] == "expired"
            _, slot_again = await first_slot(api, hospital, "内科")
            assert slot_again["remaining"] == paid_slot["remaining"]
