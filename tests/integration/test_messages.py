"""Messages reach residents through the channel they came from (API.md "Messages"): WeChat
subscribe messages within the user's grants, Alipay template messages, signed webhooks to
in-house apps, SMS for urgent ones nobody else could carry; always the inbox."""

from __future__ import annotations

import random
import secrets

import httpx
import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import ensure_hospital, one_slot
from tests.support.partner import bearer
from tests.support.people import make_person
from tests.support.resident import (
    alipay_session,
    collect,
    inhouse_session,
    register_person,
)
from tests.support.waiting import eventually


def wechat_template(event: str) -> str:
    """The WeChat template id the card centre registered for an event (its default)."""
    return "TPL_" + event.upper()


async def wechat_resident(api, app_id: str, grants: list[str]) -> dict:
    """A WeChat user who accepted ``grants`` in the mini-program, then collected a card."""
    user = secrets.token_hex(6)
    login = (await api.post(f"/mock/wechat/users/{user}/code", json={"appid": app_id})).json()
    session = (
        await api.post(f"/api/v1/channels/{app_id}/sessions", json={"code": login["code"]})
    ).json()
    if grants:
        await api.post(
            "/mock/wechat/subscriptions",
            json={"openid": login["openid"], "template_ids": [wechat_template(g) for g in grants]},
        )
        granted = await api.post(
            "/api/v1/messages/subscriptions", json={"templates": grants},
            headers=bearer(session["token"]),
        )  # fmt: skip
        assert granted.status_code == 201 and granted.json()["remaining"] == dict.fromkeys(
            grants, 1
        )
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    card = (await collect(api, session["token"], person)).json()
    return {"token": session["token"], "openid": login["openid"], "card": card, "person": person}


async def inbox(api, token: str) -> list[dict]:
    return (await api.get("/api/v1/messages", headers=bearer(token))).json()["messages"]


async def delivered(api, token: str, event: str) -> dict | None:
    found = [m for m in await inbox(api, token) if m["event"] == event]
    settled = ("delivered", "inbox_only", "dead", "unconfirmed")
    return found[0] if found and found[0]["status"] in settled else None


@pytest.fixture(scope="module")
async def hospital(live, admin_headers, terminal) -> str:
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        await ensure_hospital(api, admin_headers, terminal["institution_code"])
    return terminal["institution_code"]


async def test_wechat_sends_what_was_granted_and_the_inbox_keeps_everything(
    api, admin_headers, hospital, channel_apps
) -> None:
    me = await wechat_resident(api, channel_apps["wechat"]["app_id"], ["booking_confirmed"])
    _, slot_id = await one_slot(api, admin_headers, hospital)
    made = await api.post(
        "/api/v1/appointments", json={"card_id": me["card"]["card_id"], "slot_id": slot_id},
        headers=bearer(me["token"]),
    )  # fmt: skip
    assert made.status_code == 201

    async def both() -> bool:
        return bool(await delivered(api, me["token"], "booking_confirmed")) and bool(
            await delivered(api, me["token"], "card_collected")
        )

    await eventually(both)
    booked = await delivered(api, me["token"], "booking_confirmed")
    assert booked["delivery"] == {"wechat": "sent"} and booked["status"] == "delivered"
    collected = await delivered(api, me["token"], "card_collected")
    assert collected["delivery"] == {"wechat": "no_quota"} and collected["status"] == "inbox_only"
    got = (await api.get("/mock/wechat/messages", params={"openid": me["openid"]})).json()
    (message,) = got["messages"]
    assert message["template_id"] == wechat_template("booking_confirmed")
    assert message["page"].endswith(f"id={booked['message_id']}")
    assert message["data"]["thing1"]["value"] == "预约成功"


async def test_urgent_messages_without_a_channel_go_by_sms(
    api, admin_headers, hospital, terminal, channel_apps
) -> None:
    me = await wechat_resident(api, channel_apps["wechat"]["app_id"], [])
    schedule, slot_id = await one_slot(api, admin_headers, hospital)
    made = (await api.post(
        "/api/v1/appointments", json={"card_id": me["card"]["card_id"], "slot_id": slot_id},
        headers=bearer(me["token"]),
    )).json()  # fmt: skip
    pos = await terminal_headers(api, terminal)
    code = await qr_payload(api, me["token"], me["card"]["card_id"])
    checked = await api.post(
        "/api/v1/pos/checkin", json={"qr": code, "appointment_id": made["appointment_id"]},
        headers=pos,
    )  # fmt: skip
    assert checked.status_code == 200
    await api.post(
        "/api/v1/pos/queue/next", json={"schedule_id": schedule["schedule_id"]}, headers=pos
    )

    async def called() -> bool:
        return bool(await delivered(api, me["token"], "called"))

    await eventually(called)
    message = await delivered(api, me["token"], "called")
    assert message["delivery"] == {"wechat": "no_quota", "sms": "sent"}
    sms = (await api.get("/mock/sms/inbox", params={"phone": me["person"].phone})).json()
    assert "请 1 号到 101 就诊" in sms["messages"][0]["text"]


async def test_alipay_users_get_template_messages(
    api, admin_headers, hospital, channel_apps
) -> None:
    user = secrets.token_hex(5)
    session = await alipay_session(api, channel_apps["alipay"]["app_id"], user)
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    await collect(api, session["token"], person)

    async def sent() -> bool:
        return bool(await delivered(api, session["token"], "card_collected"))

    await eventually(sent)
    message = await delivered(api, session["token"], "card_collected")
    assert message["delivery"] == {"alipay": "sent"}
    alipay_user = (await api.post(f"/mock/alipay/users/{user}/auth_code")).json()["user_id"]
    got = (await api.get("/mock/alipay/messages", params={"user_id": alipay_user})).json()
    assert got["messages"][0]["data"]["keyword1"]["value"] == "领卡成功"


async def partner_app(api, live, admin_headers) -> dict:
    made = await api.post(
        "/api/v1/admin/channel-apps",
        json={"kind": "inhouse", "name": "某医院App",
              "webhook_url": f"{live.base_url}/mock/partner/webhook"},
        headers=admin_headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    app = {"app_id": made.json()["app_id"], "app_secret": made.json()["app_secret"]}
    await api.post(
        "/mock/partner/apps", json={"app_id": app["app_id"], "secret": app["app_secret"]}
    )
    return app


async def test_in_house_apps_get_signed_webhooks_and_failures_become_dead_letters(
    api, live, admin_headers
) -> None:
    app = await partner_app(api, live, admin_headers)
    ref = "patient-" + secrets.token_hex(4)
    session = await inhouse_session(api, app, ref)
    # the partner's server is down for a while: retries, then a dead letter
    await api.post(
        "/mock/faults", json={"target": "partner.webhook", "mode": "http_500", "count": 3}
    )
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    await collect(api, session["token"], person)

    async def dead() -> bool:
        found = await api.get(
            "/api/v1/admin/messages", params={"status": "dead"}, headers=admin_headers
        )
        return any(m["user_id"] == session["user_id"] for m in found.json()["messages"])

    await eventually(dead)
    dead_letters = (
        await api.get("/api/v1/admin/messages", params={"status": "dead"}, headers=admin_headers)
    ).json()
    (letter,) = [m for m in dead_letters["messages"] if m["user_id"] == session["user_id"]]
    assert letter["attempts"] == 3 and "500" in letter["last_error"]
    retried = await api.post(
        f"/api/v1/admin/messages/{letter['message_id']}/retry", headers=admin_headers
    )
    assert retried.status_code == 200

    async def pushed() -> bool:
        got = (await api.get("/mock/partner/messages", params={"user_ref": ref})).json()
        return bool(got["messages"])

    await eventually(pushed)
    (push,) = (await api.get("/mock/partner/messages", params={"user_ref": ref})).json()["messages"]
    assert push["event"] == "card_collected" and push["message_id"] == letter["message_id"]


async def test_hospital_systems_tell_patients_results_are_ready(
    api, terminal, channel_apps
) -> None:
    me = await wechat_resident(api, channel_apps["wechat"]["app_id"], [])
    pos = await terminal_headers(api, terminal)
    code = await qr_payload(api, me["token"], me["card"]["card_id"])
    patient = (await api.post("/api/v1/pos/verify", json={"qr": code}, headers=pos)).json()[
        "patient_id"
    ]
    told = await api.post(
        "/api/v1/pos/notices",
        json={"event": "report_ready", "patient_id": patient, "detail": "血常规"}, headers=pos,
    )  # fmt: skip
    assert told.status_code == 202 and told.json() == {"queued": 1}
    message = [m for m in await inbox(api, me["token"]) if m["event"] == "report_ready"][0]
    assert message["payload"]["detail"] == "血常规"
    unknown = await api.post(
        "/api/v1/pos/notices",
        json={"event": "report_ready", "patient_id": "P0000", "detail": "x"}, headers=pos,
    )  # fmt: skip
    assert unknown.status_code == 404


async def test_admins_reword_templates(api, live, admin_headers) -> None:
    listed = (await api.get("/api/v1/admin/message-templates", headers=admin_headers)).json()
    (booked,) = [
        t
        for t in listed["templates"]
        if t["event"] == "booking_confirmed" and t["channel"] == "wechat"
    ]
    assert booked["title"] == "预约成功" and booked["template_id"] == wechat_template(
        "booking_confirmed"
    )
    changed = await api.put(
        "/api/v1/admin/message-templates/card_collected/inhouse",
        json={"template_id": "-", "title": "欢迎", "text": "{relation}卡已领取"},
        headers=admin_headers,
    )
    assert changed.status_code == 200
    app = await partner_app(api, live, admin_headers)
    ref = "patient-" + secrets.token_hex(4)
    session = await inhouse_session(api, app, ref)
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    await collect(api, session["token"], person)

    async def pushed() -> bool:
        got = (await api.get("/mock/partner/messages", params={"user_ref": ref})).json()
        return bool(got["messages"])

    await eventually(pushed)
    (push,) = (await api.get("/mock/partner/messages", params={"user_ref": ref})).json()["messages"]
    assert push["title"] == "欢迎" and push["text"] == "self卡已领取"
