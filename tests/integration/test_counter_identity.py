"""Terminals see what they need (API.md second wave): a masked answer with the age, the full
identity only for a new patient record or an audited explicit ask."""

from __future__ import annotations

import random
import secrets
from datetime import date

import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.people import make_person
from tests.support.resident import collect, register_person, wechat_session
from tests.support.waiting import eventually

VERIFY = "/api/v1/pos/verify"


@pytest.fixture
async def holder(api, channel_apps) -> dict:
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    card = (await collect(api, session["token"], person)).json()
    return {"token": session["token"], "card": card, "person": person}


def age_of(id_number: str) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


async def scan(api, holder, headers, **extra):
    payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    answer = await api.post(VERIFY, json={"qr": payload, **extra}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


async def test_a_new_patient_brings_the_identity_a_known_one_does_not(
    api, holder, terminal
) -> None:
    headers = await terminal_headers(api, terminal)
    person = holder["person"]
    first = (await scan(api, holder, headers)).json()
    assert first["new_patient"] is True
    assert first["name"] == person.name
    assert first["identity"] == {
        "name": person.name,
        "id_type": "01",
        "id_number": person.id_number,
        "birth_date": f"{person.id_number[6:10]}-{person.id_number[10:12]}-"
        f"{person.id_number[12:14]}",
        "phone_masked": person.phone[:3] + "****" + person.phone[-4:],
    }
    again = await scan(api, holder, headers)
    body = again.json()
    assert body["new_patient"] is False and body["patient_id"] == first["patient_id"]
    assert set(body) == {
        "card_id", "issuer", "name_masked", "gender", "age", "id_number_masked", "status",
        "kind", "patient_id", "new_patient",
    }  # fmt: skip
    assert body["name_masked"] == holder["card"]["name_masked"]
    assert body["age"] == age_of(person.id_number)
    # Neither the name, the number nor the birth date (which rebuilds the number) leaks.
    assert person.name not in again.text and person.id_number not in again.text
    assert person.id_number[6:10] + "-" not in again.text


async def test_an_explicit_ask_is_answered_and_audited(
    api, holder, terminal, admin_headers
) -> None:
    headers = await terminal_headers(api, terminal)
    await scan(api, holder, headers)  # the patient record exists from now on
    asked = (await scan(api, holder, headers, with_identity=True)).json()
    assert asked["new_patient"] is False
    assert asked["identity"]["id_number"] == holder["person"].id_number
    card_id = holder["card"]["card_id"]

    async def reads() -> list[dict]:
        entries = await api.get(
            "/api/v1/admin/audit", params={"action": "card.identity_read"}, headers=admin_headers
        )
        return [e for e in entries.json()["entries"] if e["target_id"] == card_id]

    async def two_reads() -> bool:
        return len(await reads()) == 2

    await eventually(two_reads)
    reasons = sorted(e["detail"]["reason"] for e in await reads())
    assert reasons == ["asked", "new_patient"]
