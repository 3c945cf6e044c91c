"""Cards issued at the hospital counter from an ID document, their printed static codes and
loss reports on the holder's behalf (API.md "The hospital counter and the HIS")."""

from __future__ import annotations

import random
import secrets

import pytest

from tests.support.counter import terminal_headers
from tests.support.people import make_person
from tests.support.printed import decode_pdf_qr
from tests.support.resident import register_person

ISSUE = "/api/v1/pos/cards"
pytestmark = pytest.mark.storage


def _person():
    return make_person(random.Random(secrets.randbits(64)))


def _document(person, source: str = "id_reader") -> dict:
    return {"name": person.name, "id_type": "01", "id_number": person.id_number,
            "phone": person.phone, "document_source": source}  # fmt: skip


async def test_an_id_card_read_at_the_counter_issues_one_card_per_person(api, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    person = _person()  # not in the register: the document read at the counter is the proof
    first = await api.post(ISSUE, json=_document(person), headers=headers)
    assert first.status_code == 201, first.text
    card = first.json()
    assert card["issued"] is True and card["status"] == "active"
    assert card["name_masked"].startswith(person.name[0]) and "*" in card["name_masked"]
    assert person.id_number not in first.text and card["patient_id"]
    again = await api.post(ISSUE, json=_document(person, "manual"), headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["card_id"] == card["card_id"] and again.json()["issued"] is False
    assert again.json()["patient_id"] == card["patient_id"]
    wrong_name = {**_document(person), "name": person.name + "某"}
    refused = await api.post(ISSUE, json=wrong_name, headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "REALNAME_MISMATCH"


async def test_a_typed_in_document_is_checked_with_the_identity_register(api, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    person = _person()
    unknown = await api.post(ISSUE, json=_document(person, "manual"), headers=headers)
    assert unknown.status_code == 403 and unknown.json()["error"]["code"] == "REALNAME_MISMATCH"
    await register_person(api, person)
    made = await api.post(ISSUE, json=_document(person, "manual"), headers=headers)
    assert made.status_code == 201, made.text
    wrong = next(d for d in "0123456789X" if d != person.id_number[-1])  # any other check digit
    bad = {**_document(person), "id_number": person.id_number[:-1] + wrong}
    checked = await api.post(ISSUE, json=bad, headers=headers)
    assert checked.status_code == 422 and checked.json()["error"]["code"] == "INVALID_ID_NUMBER"


async def test_the_printed_static_code_scans_as_the_card(api, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    card = (await api.post(ISSUE, json=_document(_person()), headers=headers)).json()
    url = f"/api/v1/pos/cards/{card['card_id']}/static-code"
    pdf = await api.get(url, headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    payload = decode_pdf_qr(pdf.content)
    assert payload.startswith("EHC1:S:")
    svg = await api.get(url, params={"format": "svg"}, headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert card["name_masked"] in svg.text and card["issuer"] in svg.text
    verified = await api.post("/api/v1/pos/verify", json={"qr": payload}, headers=headers)
    assert verified.status_code == 200 and verified.json()["card_id"] == card["card_id"]
    nobody = await api.get("/api/v1/pos/cards/" + "0" * 64 + "/static-code", headers=headers)
    assert nobody.status_code == 404


async def test_a_card_reported_lost_at_the_counter_is_refused_everywhere(api, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    person, stranger = _person(), _person()
    card = (await api.post(ISSUE, json=_document(person), headers=headers)).json()
    url = f"/api/v1/pos/cards/{card['card_id']}/loss"
    wrong = await api.post(url, json={"id_number": stranger.id_number}, headers=headers)
    assert wrong.status_code == 404
    lost = await api.post(url, json={"id_number": person.id_number}, headers=headers)
    assert lost.status_code == 200 and lost.json()["status"] == "lost"
    printed = await api.get(f"/api/v1/pos/cards/{card['card_id']}/static-code", headers=headers)
    assert printed.status_code == 403 and printed.json()["error"]["code"] == "CARD_LOST"
