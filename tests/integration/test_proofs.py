"""Proof of identity and bindings (API.md second wave): a stranger who knows a person's name
and ID number cannot take over their card; the holder sees and removes bindings; SMS budgets."""

from __future__ import annotations

import asyncio
import random
import secrets

import pytest

from tests.support.partner import bearer
from tests.support.people import make_person
from tests.support.resident import (
    alipay_session,
    collect,
    collect_by_face,
    face_check,
    register_person,
    send_otp,
    wechat_session,
)


def person():
    return make_person(random.Random(secrets.randbits(64)))


@pytest.fixture
async def resident(api, channel_apps) -> dict:
    return await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))


@pytest.fixture
async def stranger(api, channel_apps) -> dict:
    return await alipay_session(api, channel_apps["alipay"]["app_id"], secrets.token_hex(6))


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


async def test_a_stranger_with_name_id_and_any_phone_cannot_take_over_a_card(
    api, resident, stranger
) -> None:
    # The takeover of issue 14: name + ID number + an SMS code to the stranger's own phone.
    holder = person()
    await register_person(api, holder)
    card = (await collect(api, resident["token"], holder)).json()
    own_phone = person().phone
    taken = await collect(api, stranger["token"], holder, phone=own_phone)
    assert taken.status_code == 403, taken.text
    error = taken.json()["error"]
    assert error["code"] == "PROOF_REQUIRED"
    assert error["methods"] == ["phone", "face"]
    assert error["phone_masked"] == masked(holder.phone)
    assert holder.phone not in taken.text
    assert (await api.get("/api/v1/cards", headers=bearer(stranger["token"]))).json()["cards"] == []
    code = await api.get(
        f"/api/v1/cards/{card['card_id']}/qrcode", headers=bearer(stranger["token"])
    )
    assert code.status_code == 404
    # Nor does the stranger's own face pass for the holder.
    failed = await face_check(api, stranger["token"], holder, passes=False)
    body = {"name": holder.name, "id_number": holder.id_number, "face_session": failed}
    refused = await api.post("/api/v1/cards", json=body, headers=bearer(stranger["token"]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FACE_CHECK_FAILED"


async def test_a_new_card_needs_a_phone_in_the_persons_name_or_a_face(api, resident) -> None:
    someone = person()
    await register_person(api, someone)
    other_phone = person().phone
    refused = await collect(api, resident["token"], someone, phone=other_phone)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PROOF_REQUIRED"
    assert refused.json()["error"]["methods"] == ["phone", "face"]
    no_proof = {"name": someone.name, "id_number": someone.id_number, "phone": someone.phone}
    bare = await api.post("/api/v1/cards", json=no_proof, headers=bearer(resident["token"]))
    assert bare.json()["error"]["code"] == "PROOF_REQUIRED"
    by_face = await collect_by_face(api, resident["token"], someone, phone=someone.phone)
    assert by_face.status_code == 201, by_face.text


async def test_the_code_sent_to_the_phone_on_record_binds_the_card_elsewhere(
    api, resident, stranger
) -> None:
    someone = person()
    await register_person(api, someone)
    first = await collect_by_face(api, resident["token"], someone, phone=someone.phone)
    # The same person on their Alipay account: the SMS code goes to the phone on record.
    again = await collect(api, stranger["token"], someone)
    assert again.status_code == 200, again.text
    assert again.json()["card_id"] == first.json()["card_id"]


async def test_a_face_session_proves_once_for_its_person_and_its_opener(
    api, resident, stranger
) -> None:
    someone, other = person(), person()
    for p in (someone, other):
        await register_person(api, p)
    headers = bearer(resident["token"])
    body = {"name": someone.name, "id_number": someone.id_number}
    unknown = await api.post("/api/v1/cards", json={**body, "face_session": "FC" + "0" * 24},
                             headers=headers)  # fmt: skip
    assert unknown.status_code == 403 and unknown.json()["error"]["code"] == "FACE_CHECK_FAILED"
    pending = (await api.post("/api/v1/realname/face", json=body, headers=headers)).json()
    waiting = {**body, "face_session": pending["face_session"]}
    not_yet = await api.post("/api/v1/cards", json=waiting, headers=headers)
    assert not_yet.json()["error"]["code"] == "FACE_CHECK_FAILED"
    assert 0 < pending["expires_in"] <= 600
    session = await face_check(api, resident["token"], someone)
    theirs = await api.post("/api/v1/cards", json={**body, "face_session": session},
                            headers=bearer(stranger["token"]))  # fmt: skip
    assert theirs.json()["error"]["code"] == "FACE_CHECK_FAILED"
    wrong_person = {"name": other.name, "id_number": other.id_number, "face_session": session}
    mixed = await api.post("/api/v1/cards", json=wrong_person, headers=headers)
    assert mixed.json()["error"]["code"] == "FACE_CHECK_FAILED"
    used = await api.post("/api/v1/cards", json={**body, "face_session": session}, headers=headers)
    assert used.status_code == 201, used.text
    twice = await api.post("/api/v1/cards", json={**body, "face_session": session}, headers=headers)
    assert twice.status_code == 403 and twice.json()["error"]["code"] == "FACE_CHECK_FAILED"


async def test_the_holder_sees_a_new_binding_and_takes_the_card_back(
    api, resident, stranger
) -> None:
    someone = person()
    await register_person(api, someone)
    card_id = (await collect(api, resident["token"], someone)).json()["card_id"]
    # Someone bound it with the person's face (a relative at their side, say).
    assert (
        await collect_by_face(api, stranger["token"], someone, relation="parent")
    ).status_code == 200
    notices = (await api.get("/api/v1/messages", headers=bearer(resident["token"]))).json()
    bound = [m for m in notices["messages"] if m["event"] == "card_bound"]
    assert len(bound) == 1 and bound[0]["card_id"] == card_id
    assert bound[0]["payload"]["channel"] == "alipay"
    listed = await api.get(f"/api/v1/cards/{card_id}/bindings", headers=bearer(resident["token"]))
    assert listed.status_code == 200, listed.text
    rows = listed.json()["bindings"]
    assert [(b["channel"], b["current"]) for b in rows] == [("wechat", True), ("alipay", False)]
    assert rows[0]["since"].endswith("+08:00")
    theirs, mine = rows[1]["binding_id"], rows[0]["binding_id"]
    # The other account is not the holder: it may look, not remove.
    path = f"/api/v1/cards/{card_id}/bindings"
    forbidden = await api.delete(f"{path}/{mine}", headers=bearer(stranger["token"]))
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "FORBIDDEN"
    own = await api.delete(f"{path}/{mine}", headers=bearer(resident["token"]))
    assert own.status_code == 409
    removed = await api.delete(f"{path}/{theirs}", headers=bearer(resident["token"]))
    assert removed.status_code == 204, removed.text
    gone = await api.get(f"/api/v1/cards/{card_id}", headers=bearer(stranger["token"]))
    assert gone.status_code == 404
    assert (await api.get(path, headers=bearer(stranger["token"]))).status_code == 404
    again = await api.delete(f"{path}/{theirs}", headers=bearer(resident["token"]))
    assert again.status_code == 404


async def test_one_resident_gets_at_most_five_codes_an_hour(api, resident) -> None:
    phones = [person().phone for _ in range(30)]
    answers = await asyncio.gather(
        *(
            api.post("/api/v1/realname/otp", json={"phone": p}, headers=bearer(resident["token"]))
            for p in phones
        )
    )
    statuses = [a.status_code for a in answers]
    assert statuses.count(202) == 5 and statuses.count(429) == 25
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    sent = 0
    for phone in phones:
        inbox = (await api.get("/mock/sms/inbox", params={"phone": phone})).json()["messages"]
        sent += len(inbox)
    assert sent == 5


async def test_a_code_refused_for_its_phone_does_not_use_the_residents_allowance(
    api, resident
) -> None:
    phone = person().phone
    await send_otp(api, resident["token"], phone)
    for _ in range(6):  # each refused: one code per phone per minute
        resp = await api.post("/api/v1/realname/otp", json={"phone": phone},
                              headers=bearer(resident["token"]))  # fmt: skip
        assert resp.status_code == 429
    for _ in range(4):
        await send_otp(api, resident["token"], person().phone)
