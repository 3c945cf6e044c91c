"""Temporary and newborn cards (API.md "The master index and the platform above"): a counter
issues a temporary card from name, gender and age and binds it later to the person's real card,
whose patient records, bills and identifiers it takes over; a guardian collects a newborn's card
without an ID number and upgrades it when the child has one. Both show their kind."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta

import httpx
import pytest

from tests.integration.test_bills import his, post_bill  # noqa: F401 (a fixture)
from tests.integration.test_platform_sync import _wait
from tests.support.counter import qr_payload, terminal_headers
from tests.support.partner import bearer
from tests.support.people import Person, id_number, make_person
from tests.support.printed import decode_pdf_qr
from tests.support.resident import (
    collect_by_face,
    new_holder,
    register_person,
    send_otp,
    wechat_session,
)

TEMPORARY = "/api/v1/pos/temporary-cards"
pytestmark = pytest.mark.storage


def _person() -> Person:
    return make_person(random.Random(secrets.randbits(64)))


async def _printed_code(api: httpx.AsyncClient, headers: dict, card_id: str) -> str:
    """The payload of the card's printed static code, as a scanner reads it off the paper."""
    pdf = await api.get(f"/api/v1/pos/cards/{card_id}/static-code", headers=headers)
    assert pdf.status_code == 200, pdf.text
    return decode_pdf_qr(pdf.content)


async def _verify(api: httpx.AsyncClient, headers: dict, qr: str) -> httpx.Response:
    return await api.post("/api/v1/pos/verify", json={"qr": qr, "scene": "registration"},
                          headers=headers)  # fmt: skip


async def _platform_card(api: httpx.AsyncClient, card_id: str, done) -> dict:
    """The platform above's registration of a card, once ``done`` holds for it."""

    async def registered():
        resp = await api.get(f"/mock/platform/cards/{card_id}")
        return resp.status_code == 200 and done(resp.json()) and resp.json()

    return await _wait(registered, 30)


async def test_a_temporary_card_is_bound_and_its_records_follow(
    api: httpx.AsyncClient,
    his: dict,  # noqa: F811
    channel_apps: dict,
    admin_headers: dict,
) -> None:
    headers = await terminal_headers(api, his)
    issued = await api.post(TEMPORARY, json={"name": "无名氏", "gender": "1", "age": 40},
                            headers=headers)  # fmt: skip
    assert issued.status_code == 201, issued.text
    temporary = issued.json()
    assert temporary["kind"] == "temporary" and temporary["status"] == "active"
    assert temporary["patient_id"] and temporary["id_number_masked"] == ""

    qr = await _printed_code(api, headers, temporary["card_id"])
    printed = await api.get(f"/api/v1/pos/cards/{temporary['card_id']}/static-code",
                            params={"format": "svg"}, headers=headers)  # fmt: skip
    assert "临时卡" in printed.text and "证件号 暂无" in printed.text
    seen = await _verify(api, headers, qr)
    assert seen.status_code == 200, seen.text
    assert seen.json()["kind"] == "temporary" and seen.json()["age"] == 40
    assert seen.json()["patient_id"] == temporary["patient_id"]
    bill = await post_bill(api, headers, temporary["patient_id"], "TMP-" + secrets.token_hex(4))
    assert bill.status_code == 201, bill.text

    # The patient wakes up: they hold a card already, collected in the mini-program.
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    person = holder["person"]
    document = {"name": person.name, "id_type": "01", "id_number": person.id_number}
    url = f"{TEMPORARY}/{temporary['card_id']}/bind"
    wrong = await api.post(url, json={**document, "name": person.name + "某"}, headers=headers)
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "REALNAME_MISMATCH"
    bound = await api.post(url, json=document, headers=headers)
    assert bound.status_code == 200, bound.text
    joined = bound.json()
    assert joined["card_id"] == holder["card"]["card_id"] and joined["issued"] is False
    assert joined["kind"] == "standard" and joined["bills"] == 1
    assert joined["patient_records"] == [
        {
            "institution_code": his["institution_code"],
            "patient_id": temporary["patient_id"],
            "moved": True,
        }
    ]
    assert joined["patient_id"] == temporary["patient_id"]  # the hospital's file is the same

    # The person's card now carries the hospital's patient id and the bill.
    found = await api.post(
        "/api/v1/pos/identifiers/lookup",
        headers=headers,
        json={"system": f"patient:{his['institution_code']}", "value": temporary["patient_id"]},
    )
    assert found.status_code == 200 and found.json()["card_id"] == holder["card"]["card_id"]
    unpaid = await api.get("/api/v1/bills", params={"status": "unpaid"},
                           headers=bearer(holder["token"]))  # fmt: skip
    assert bill.json()["bill_id"] in {b["bill_id"] for b in unpaid.json()["bills"]}
    mine = await _verify(api, headers, await qr_payload(api, holder["token"], joined["card_id"]))
    assert mine.json()["patient_id"] == temporary["patient_id"]
    assert mine.json()["kind"] == "standard" and mine.json()["new_patient"] is False

    # The temporary card is spent: its code is refused, it cannot be bound twice.
    again = await _verify(api, headers, qr)
    assert again.status_code == 403 and again.json()["error"]["code"] == "CARD_CANCELLED"
    twice = await api.post(url, json=document, headers=headers)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "INVALID_STATE"
    history = await api.get(f"/api/v1/admin/cards/{temporary['card_id']}/events",
                            headers=admin_headers)  # fmt: skip
    assert [e["action"] for e in history.json()["events"]] == [
        "temporary_issued",
        "temporary_bound",
    ]
    above = await _platform_card(api, temporary["card_id"], lambda c: c["status"] == "cancelled")
    assert above["card_kind"] == "temporary"


async def test_binding_a_stranger_issues_their_card_and_other_hospitals_see_nothing(
    api: httpx.AsyncClient, terminal: dict, admin_headers: dict
) -> None:
    headers = await terminal_headers(api, terminal)
    temporary = (await api.post(TEMPORARY, json={"name": "无名氏", "gender": "0", "age": 70},
                                headers=headers)).json()  # fmt: skip
    elsewhere = await api.post(
        "/api/v1/admin/terminals",
        headers=admin_headers,
        json={"name": "Elsewhere", "institution_code": "H0998", "kind": "counter"},
    )
    foreign = await terminal_headers(api, elsewhere.json())
    person = _person()  # never seen: the document read at the counter issues their card
    document = {"name": person.name, "id_type": "01", "id_number": person.id_number}
    url = f"{TEMPORARY}/{temporary['card_id']}/bind"
    assert (await api.post(url, json=document, headers=foreign)).status_code == 404
    bound = await api.post(url, json=document, headers=headers)
    assert bound.status_code == 200, bound.text
    assert bound.json()["issued"] is True and bound.json()["card_id"] != temporary["card_id"]
    assert bound.json()["patient_id"] == temporary["patient_id"]
    index = await api.get("/api/v1/admin/persons", headers=admin_headers,
                          params={"id_type": "01", "id_number": person.id_number})  # fmt: skip
    assert {"system": f"patient:{terminal['institution_code']}",
            "value": temporary["patient_id"]} in index.json()["identifiers"]  # fmt: skip
    # The master index keeps the temporary card among the person's identifiers (provenance).
    assert {"system": "ehc", "value": temporary["card_id"]} in index.json()["identifiers"]
    assert {c["card_id"]: c["kind"] for c in index.json()["cards"]} == {
        temporary["card_id"]: "temporary",
        bound.json()["card_id"]: "standard",
    }
    assert not any(i["system"] == "id:00" for i in index.json()["identifiers"])
    bad = await api.post(TEMPORARY, json={"name": "无名氏", "gender": "1", "age": 151},
                         headers=headers)  # fmt: skip
    assert bad.status_code == 422


async def _guardian(api: httpx.AsyncClient, app_id: str) -> dict:
    """A resident holding their own card (collected with a face check, so that the SMS code
    for the newborn is the phone's first this minute) and that code."""
    session = await wechat_session(api, app_id, secrets.token_hex(6))
    person = _person()
    await register_person(api, person)
    card = await collect_by_face(api, session["token"], person, phone=person.phone)
    assert card.status_code == 201, card.text
    code = await send_otp(api, session["token"], person.phone)
    return {"token": session["token"], "person": person, "card": card.json(), "code": code}


def _newborn_body(holder: dict, baby: dict) -> dict:
    return {"relation": "child", "newborn": baby, "phone": holder["person"].phone,
            "otp": holder["code"]}  # fmt: skip


async def test_a_guardian_collects_a_newborn_card_and_upgrades_it(
    api: httpx.AsyncClient, channel_apps: dict, terminal: dict
) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    guardian = await _guardian(api, app_id)
    born = date.today() - timedelta(days=20)
    baby = {"name": "王小宝", "gender": "2", "birth_date": born.isoformat()}
    auth = bearer(guardian["token"])
    unproven = await api.post("/api/v1/cards", json={"relation": "child", "newborn": baby},
                              headers=auth)  # fmt: skip
    assert unproven.status_code == 403 and unproven.json()["error"]["code"] == "PROOF_REQUIRED"
    made = await api.post("/api/v1/cards", json=_newborn_body(guardian, baby), headers=auth)
    assert made.status_code == 201, made.text
    card = made.json()
    assert card["kind"] == "newborn" and card["relation"] == "child"
    assert card["name_masked"] == "王**" and card["id_number_masked"] == ""
    listed = (await api.get("/api/v1/cards", headers=auth)).json()["cards"]
    assert sorted(c["kind"] for c in listed) == ["newborn", "standard"]

    headers = await terminal_headers(api, terminal)
    seen = await _verify(api, headers, await qr_payload(api, guardian["token"], card["card_id"]))
    assert seen.status_code == 200, seen.text
    assert seen.json()["kind"] == "newborn" and seen.json()["age"] == 0
    assert seen.json()["gender"] == "2" and seen.json()["new_patient"] is True
    patient_id = seen.json()["patient_id"]

    # The child is registered: the register knows the name and a number with the birth date.
    child = Person("王小宝", id_number(born, 2 * random.randrange(1, 499), "110105"), "")
    identity = f"/api/v1/cards/{card['card_id']}/identity"
    unknown = await api.post(identity, json={"id_type": "01", "id_number": child.id_number},
                             headers=auth)  # fmt: skip
    assert unknown.status_code == 403 and unknown.json()["error"]["code"] == "REALNAME_MISMATCH"
    await register_person(api, child)
    other_day = id_number(born - timedelta(days=1), 2, "110105")
    wrong_day = await api.post(identity, json={"id_type": "01", "id_number": other_day},
                               headers=auth)  # fmt: skip
    assert wrong_day.status_code == 403 and wrong_day.json()["error"]["code"] == "REALNAME_MISMATCH"
    taken = await api.post(
        identity, headers=auth, json={"id_type": "01", "id_number": guardian["person"].id_number}
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "CARD_EXISTS"
    upgraded = await api.post(identity, json={"id_type": "01", "id_number": child.id_number},
                              headers=auth)  # fmt: skip
    assert upgraded.status_code == 200, upgraded.text
    now = upgraded.json()
    assert now["card_id"] == card["card_id"] and now["kind"] == "standard"
    assert now["id_number_masked"] == child.id_number[:6] + "********" + child.id_number[-4:]
    again = await _verify(api, headers, await qr_payload(api, guardian["token"], card["card_id"]))
    assert again.json()["kind"] == "standard" and again.json()["patient_id"] == patient_id
    above = await _platform_card(api, card["card_id"], lambda c: c["card_kind"] == "standard")
    assert above["holder"]["id_number"][-4:] == child.id_number[-4:]
    twice = await api.post(identity, json={"id_type": "01", "id_number": child.id_number},
                           headers=auth)  # fmt: skip
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "INVALID_STATE"

    # One person, one card: the child's number now finds this card, whoever asks.
    other = await wechat_session(api, app_id, secrets.token_hex(6))
    collected = await api.post(
        "/api/v1/cards",
        headers=bearer(other["token"]),
        json={"name": "王小宝", "id_type": "01", "id_number": child.id_number, "relation": "child"},
    )
    assert collected.status_code == 403  # the card exists: it needs a proof to bind
    assert collected.json()["error"]["code"] == "PROOF_REQUIRED"


async def test_newborn_cards_need_a_guardian_with_a_card_and_a_plausible_birth(
    api: httpx.AsyncClient, channel_apps: dict
) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    nobody = await wechat_session(api, app_id, secrets.token_hex(6))
    baby = {"name": "李小宝", "gender": "1", "birth_date": date.today().isoformat()}
    refused = await api.post("/api/v1/cards", json={"relation": "child", "newborn": baby},
                             headers=bearer(nobody["token"]))  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "GUARDIAN_CARD_REQUIRED"
    guardian = await _guardian(api, app_id)
    auth = bearer(guardian["token"])
    for wrong in (
        {**baby, "birth_date": (date.today() + timedelta(days=1)).isoformat()},
        {**baby, "birth_date": (date.today() - timedelta(days=800)).isoformat()},
        {**baby, "name": "宝宝1"},
    ):
        resp = await api.post("/api/v1/cards", json=_newborn_body(guardian, wrong), headers=auth)
        assert resp.status_code == 422, resp.text
    as_self = {**_newborn_body(guardian, baby), "relation": "self"}
    assert (await api.post("/api/v1/cards", json=as_self, headers=auth)).status_code == 422
    mixed = {**_newborn_body(guardian, baby), "name": "李小宝", "id_number": "110105"}
    assert (await api.post("/api/v1/cards", json=mixed, headers=auth)).status_code == 422
    made = await api.post("/api/v1/cards", json=_newborn_body(guardian, baby), headers=auth)
    assert made.status_code == 201, made.text


async def test_a_foreigners_permanent_residence_card_is_a_document(
    api: httpx.AsyncClient, terminal: dict
) -> None:
    headers = await terminal_headers(api, terminal)
    number = "USA" + "".join(random.choice("0123456789") for _ in range(12))
    body = {"name": "John Smith", "id_type": "08", "id_number": number, "phone": None,
            "document_source": "id_reader"}  # fmt: skip
    made = await api.post("/api/v1/pos/cards", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["id_number_masked"] == number[:6] + "*****" + number[-4:]
    bad = await api.post("/api/v1/pos/cards", json={**body, "id_number": "US1234"},
                         headers=headers)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "INVALID_ID_NUMBER"
