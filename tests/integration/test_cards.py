"""Real-name card collection and the card's life (API.md "Cards")."""

from __future__ import annotations

import random
import secrets

import pytest

from tests.support.partner import bearer
from tests.support.people import make_person
from tests.support.resident import (
    alipay_session,
    collect,
    collect_by_face,
    register_person,
    send_otp,
    wechat_session,
)


@pytest.fixture
async def resident(api, channel_apps) -> dict:
    return await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))


def person():
    return make_person(random.Random(secrets.randbits(64)))


async def test_collect_returns_a_masked_card_the_holder_can_read(api, resident) -> None:
    someone = person()
    await register_person(api, someone)
    resp = await collect(api, resident["token"], someone)
    assert resp.status_code == 201, resp.text
    card = resp.json()
    assert len(card["card_id"]) == 64 and int(card["card_id"], 16) >= 0
    assert card["status"] == "active" and card["relation"] == "self"
    assert card["display_mode"] == "dynamic" and card["issuer"]
    assert card["name_masked"] == someone.name[0] + "*" * (len(someone.name) - 1)
    assert card["id_number_masked"] == someone.id_number[:6] + "********" + someone.id_number[-4:]
    assert card["created_at"].endswith("+08:00")
    assert someone.id_number not in resp.text and someone.phone not in resp.text
    headers = bearer(resident["token"])
    listed = (await api.get("/api/v1/cards", headers=headers)).json()["cards"]
    assert [c["card_id"] for c in listed] == [card["card_id"]]
    one = await api.get(f"/api/v1/cards/{card['card_id']}", headers=headers)
    assert one.json() == card


async def test_one_person_one_card_across_channels(api, resident, channel_apps) -> None:
    someone = person()
    await register_person(api, someone)
    first = await collect(api, resident["token"], someone)
    other = await alipay_session(api, channel_apps["alipay"]["app_id"], secrets.token_hex(6))
    # Binding the card to a second account needs a proof (here a face check: proofs in
    # test_proofs.py).
    again = await collect_by_face(api, other["token"], someone)
    assert again.status_code == 200
    assert again.json()["card_id"] == first.json()["card_id"]


async def test_other_users_cards_are_404(api, resident, channel_apps) -> None:
    someone = person()
    await register_person(api, someone)
    card = (await collect(api, resident["token"], someone)).json()
    stranger = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    for path in (f"/api/v1/cards/{card['card_id']}", f"/api/v1/cards/{'0' * 64}"):
        resp = await api.get(path, headers=bearer(stranger["token"]))
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "NOT_FOUND"


async def test_invalid_id_number_is_422(api, resident) -> None:
    someone = person()
    wrong_check = someone.id_number[:-1] + ("0" if someone.id_number[-1] != "0" else "1")
    code = await send_otp(api, resident["token"], someone.phone)
    body = {
        "name": someone.name,
        "id_number": wrong_check,
        "phone": someone.phone,
        "otp": code,
        "relation": "self",
    }
    resp = await api.post("/api/v1/cards", json=body, headers=bearer(resident["token"]))
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "INVALID_ID_NUMBER"


async def test_wrong_otp_then_burnt_after_five_tries(api, resident) -> None:
    someone = person()
    await register_person(api, someone)
    code = await send_otp(api, resident["token"], someone.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = {"name": someone.name, "id_number": someone.id_number, "phone": someone.phone}
    headers = bearer(resident["token"])
    for _ in range(5):
        resp = await api.post("/api/v1/cards", json={**body, "otp": wrong}, headers=headers)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "OTP_INVALID"
    burnt = await api.post("/api/v1/cards", json={**body, "otp": code}, headers=headers)
    assert burnt.json()["error"]["code"] == "OTP_INVALID"


async def test_otp_is_single_use(api, resident, channel_apps) -> None:
    someone = person()
    await register_person(api, someone)
    code = await send_otp(api, resident["token"], someone.phone)
    body = {
        "name": someone.name,
        "id_number": someone.id_number,
        "phone": someone.phone,
        "otp": code,
    }
    first = await api.post("/api/v1/cards", json=body, headers=bearer(resident["token"]))
    assert first.status_code == 201
    other = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    again = await api.post("/api/v1/cards", json=body, headers=bearer(other["token"]))
    assert again.status_code == 400 and again.json()["error"]["code"] == "OTP_INVALID"


async def test_one_sms_per_phone_per_minute(api, resident) -> None:
    phone = person().phone
    await send_otp(api, resident["token"], phone)
    resp = await api.post(
        "/api/v1/realname/otp", json={"phone": phone}, headers=bearer(resident["token"])
    )
    assert resp.status_code == 429
    assert resp.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(resp.headers["retry-after"]) <= 60


async def test_realname_mismatch_keeps_the_code_for_a_corrected_try(api, resident) -> None:
    someone = person()
    code = await send_otp(api, resident["token"], someone.phone)
    body = {
        "name": someone.name,
        "id_number": someone.id_number,
        "phone": someone.phone,
        "otp": code,
    }
    headers = bearer(resident["token"])
    refused = await api.post("/api/v1/cards", json=body, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "REALNAME_MISMATCH"
    await register_person(api, someone)
    assert (await api.post("/api/v1/cards", json=body, headers=headers)).status_code == 201


async def test_blacklisted_person_is_refused(api, resident, admin_headers) -> None:
    someone = person()
    await register_person(api, someone)
    entry = await api.post(
        "/api/v1/admin/blacklist",
        json={"id_number": someone.id_number, "reason": "card fraud"},
        headers=admin_headers,
    )
    assert entry.status_code == 201
    resp = await collect(api, resident["token"], someone)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "BLACKLISTED"
    await api.delete(f"/api/v1/admin/blacklist/{entry.json()['id']}", headers=admin_headers)
    again = await collect_by_face(api, resident["token"], someone)
    assert again.status_code == 201


async def test_family_cards_up_to_five_with_the_guardians_phone(api, resident) -> None:
    guardian = person()
    await register_person(api, guardian)
    assert (await collect(api, resident["token"], guardian)).status_code == 201
    rng = random.Random(secrets.randbits(64))
    children = [make_person(rng, adult=False) for _ in range(5)]
    for i, child in enumerate(children):
        await register_person(api, child)
        # A child has no phone in their name: the child's face is the proof, and the guardian's
        # phone goes on record.
        resp = await collect_by_face(
            api, resident["token"], child, relation="child", phone=guardian.phone
        )
        if i < 4:
            assert resp.status_code == 201 and resp.json()["relation"] == "child"
        else:
            assert resp.status_code == 409 and resp.json()["error"]["code"] == "CARD_LIMIT"
    cards = (await api.get("/api/v1/cards", headers=bearer(resident["token"]))).json()["cards"]
    assert len(cards) == 5


async def test_loss_restore_and_admin_lifecycle_are_recorded(api, resident, admin_headers) -> None:
    someone = person()
    await register_person(api, someone)
    card_id = (await collect(api, resident["token"], someone)).json()["card_id"]
    headers = bearer(resident["token"])
    lost = await api.post(f"/api/v1/cards/{card_id}/loss", headers=headers)
    assert lost.json()["status"] == "lost"
    again = await api.post(f"/api/v1/cards/{card_id}/loss", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_STATE"
    restored = await api.post(f"/api/v1/cards/{card_id}/restore", headers=headers)
    assert restored.json()["status"] == "active"
    admin_card = f"/api/v1/admin/cards/{card_id}"
    frozen = await api.post(
        f"{admin_card}/freeze", json={"reason": "suspected misuse"}, headers=admin_headers
    )
    assert frozen.json()["status"] == "frozen"
    await api.post(f"{admin_card}/unfreeze", headers=admin_headers)
    cancelled = await api.post(f"{admin_card}/cancel", headers=admin_headers)
    assert cancelled.json()["status"] == "cancelled"
    history = (await api.get(f"{admin_card}/events", headers=admin_headers)).json()["events"]
    assert [e["action"] for e in history] == [
        "collected",
        "report_loss",
        "restore",
        "freeze",
        "unfreeze",
        "cancel",
    ]
    assert history[3]["actor_type"] == "admin" and history[3]["reason"] == "suspected misuse"
    assert history[1]["actor_type"] == "resident"


async def test_unbinding_leaves_the_card_alive(api, resident, admin_headers) -> None:
    someone = person()
    await register_person(api, someone)
    card_id = (await collect(api, resident["token"], someone)).json()["card_id"]
    headers = bearer(resident["token"])
    assert (await api.delete(f"/api/v1/cards/{card_id}", headers=headers)).status_code == 204
    assert (await api.get("/api/v1/cards", headers=headers)).json()["cards"] == []
    assert (await api.get(f"/api/v1/admin/cards/{card_id}", headers=admin_headers)).json()[
        "status"
    ] == "active"
    again = await collect_by_face(api, resident["token"], someone)
    assert again.status_code == 200 and again.json()["card_id"] == card_id


async def test_display_mode_is_the_holders_choice(api, resident) -> None:
    someone = person()
    await register_person(api, someone)
    card_id = (await collect(api, resident["token"], someone)).json()["card_id"]
    resp = await api.put(
        f"/api/v1/cards/{card_id}/display",
        json={"mode": "static"},
        headers=bearer(resident["token"]),
    )
    assert resp.json()["display_mode"] == "static"
    bad = await api.put(
        f"/api/v1/cards/{card_id}/display", json={"mode": "big"}, headers=bearer(resident["token"])
    )
    assert bad.status_code == 422


async def test_admin_lookup_by_id_number_is_audited(api, resident, admin_headers) -> None:
    someone = person()
    await register_person(api, someone)
    card_id = (await collect(api, resident["token"], someone)).json()["card_id"]
    found = await api.post(
        "/api/v1/admin/cards/lookup", json={"id_number": someone.id_number}, headers=admin_headers
    )
    assert found.json()["card_id"] == card_id
    audit = await api.get(
        "/api/v1/admin/audit", params={"action": "card.lookup"}, headers=admin_headers
    )
    assert audit.json()["entries"][0]["actor_id"] == "session-admin"
