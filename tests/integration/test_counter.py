"""The counter: dynamic and static codes verified at a terminal (API.md "Terminals")."""

from __future__ import annotations

import asyncio
import random
import secrets

import httpx
import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.partner import bearer
from tests.support.people import make_person
from tests.support.processes import ehc_process, free_port
from tests.support.resident import collect, register_person, wechat_session

VERIFY = "/api/v1/pos/verify"


@pytest.fixture
async def holder(api, channel_apps) -> dict:
    """A resident with a freshly collected card."""
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    card = (await collect(api, session["token"], person)).json()
    return {"token": session["token"], "card": card, "person": person}


async def test_dynamic_code_verifies_once_then_is_replayed(api, holder, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    assert len(payload) <= 80 and payload.split(":")[2] == holder["card"]["issuer"]
    first = await api.post(VERIFY, json={"qr": payload, "scene": "registration"}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    person = holder["person"]
    assert body["card_id"] == holder["card"]["card_id"] and body["name"] == person.name
    assert body["id_number_masked"] == holder["card"]["id_number_masked"]
    # The first scan at this hospital opens its patient record: the identity comes along.
    assert body["new_patient"] is True
    assert (
        body["identity"]["birth_date"]
        == f"{person.id_number[6:10]}-{person.id_number[10:12]}-{person.id_number[12:14]}"
    )
    assert body["gender"] in ("1", "2") and body["status"] == "active"
    replay = await api.post(VERIFY, json={"qr": payload, "scene": "registration"}, headers=headers)
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "QR_REPLAYED"
    # the next code brings back the same patient record (自动建档 once)
    again = await api.post(
        VERIFY,
        json={
            "qr": await qr_payload(api, holder["token"], holder["card"]["card_id"]),
            "scene": "lab",
        },
        headers=headers,
    )
    assert again.json()["patient_id"] == body["patient_id"]


async def test_every_dynamic_code_is_new_and_refreshes_before_expiry(api, holder) -> None:
    card_id = holder["card"]["card_id"]
    resp = await api.get(f"/api/v1/cards/{card_id}/qrcode", headers=bearer(holder["token"]))
    body = resp.json()
    assert body["mode"] == "dynamic" and body["expires_at"].endswith("+08:00")
    assert 0 < body["refresh_in"] < 60
    assert body["payload"] != await qr_payload(api, holder["token"], card_id)


async def test_simultaneous_scans_of_one_code_admit_one(api, holder, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    answers = await asyncio.gather(
        *(api.post(VERIFY, json={"qr": payload}, headers=headers) for _ in range(10))
    )
    assert sorted(r.status_code for r in answers) == [200] + [409] * 9


async def test_forged_and_malformed_codes(api, holder, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    digits = payload[-8:]
    forged = payload[:-8] + f"{(int(digits) + 1) % 10**8:08d}"
    resp = await api.post(VERIFY, json={"qr": forged}, headers=headers)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "QR_FORGED"
    resp = await api.post(VERIFY, json={"qr": "https://example.com/not-a-card"}, headers=headers)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "QR_MALFORMED"
    # the genuine code was not spent by the forgery
    assert (await api.post(VERIFY, json={"qr": payload}, headers=headers)).status_code == 200


async def test_static_code_verifies_repeatedly_until_lost(api, holder, terminal) -> None:
    headers = await terminal_headers(api, terminal)
    card_id = holder["card"]["card_id"]
    static = await qr_payload(api, holder["token"], card_id, "static")
    for _ in range(3):
        assert (await api.post(VERIFY, json={"qr": static}, headers=headers)).status_code == 200
    await api.post(f"/api/v1/cards/{card_id}/loss", headers=bearer(holder["token"]))
    lost = await api.post(VERIFY, json={"qr": static}, headers=headers)
    assert lost.status_code == 403 and lost.json()["error"]["code"] == "CARD_LOST"
    shown = await api.get(f"/api/v1/cards/{card_id}/qrcode", headers=bearer(holder["token"]))
    assert shown.status_code == 403 and shown.json()["error"]["code"] == "CARD_LOST"
    # restoring rotates the reference: the printed code that was lost stays dead
    await api.post(f"/api/v1/cards/{card_id}/restore", headers=bearer(holder["token"]))
    old = await api.post(VERIFY, json={"qr": static}, headers=headers)
    assert old.json()["error"]["code"] == "QR_FORGED"
    fresh = await qr_payload(api, holder["token"], card_id, "static")
    assert (await api.post(VERIFY, json={"qr": fresh}, headers=headers)).status_code == 200


async def test_frozen_and_cancelled_cards_are_refused(api, holder, terminal, admin_headers) -> None:
    headers = await terminal_headers(api, terminal)
    card_id = holder["card"]["card_id"]
    static = await qr_payload(api, holder["token"], card_id, "static")
    await api.post(f"/api/v1/admin/cards/{card_id}/freeze", headers=admin_headers)
    resp = await api.post(VERIFY, json={"qr": static}, headers=headers)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "CARD_FROZEN"
    await api.post(f"/api/v1/admin/cards/{card_id}/cancel", headers=admin_headers)
    resp = await api.post(VERIFY, json={"qr": static}, headers=headers)
    assert resp.json()["error"]["code"] == "CARD_CANCELLED"


async def test_dynamic_code_expires_after_the_centres_lifetime(
    api, holder, terminal, admin_headers
) -> None:
    settings = "/api/v1/admin/settings/qr"
    assert (await api.put(settings, json={"lifetime": 5}, headers=admin_headers)).json() == {
        "lifetime": 5
    }
    try:
        payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    finally:
        # codes issued from now on live 60 s again; the one above keeps its 5 s
        await api.put(settings, json={"lifetime": 60}, headers=admin_headers)
    await asyncio.sleep(6.5)
    headers = await terminal_headers(api, terminal)
    resp = await api.post(VERIFY, json={"qr": payload}, headers=headers)
    assert resp.status_code == 410 and resp.json()["error"]["code"] == "QR_EXPIRED"


async def test_qr_image_as_svg(api, holder) -> None:
    resp = await api.get(
        f"/api/v1/cards/{holder['card']['card_id']}/qrcode",
        params={"format": "svg"},
        headers=bearer(holder["token"]),
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("image/svg+xml")
    assert resp.text.startswith("<svg")


async def test_a_storm_of_forgeries_from_one_terminal_is_slowed(api, admin_headers, holder) -> None:
    made = await api.post(
        "/api/v1/admin/terminals",
        json={"name": "Kiosk under attack", "institution_code": "H0001", "kind": "kiosk"},
        headers=admin_headers,
    )
    headers = await terminal_headers(api, made.json())
    junk = "EHC1:S:1100A0001:deadbeefdeadbeef:" + "0" * 20
    codes = [
        (await api.post(VERIFY, json={"qr": junk}, headers=headers)).status_code for _ in range(21)
    ]
    assert codes[:20] == [400] * 20 and codes[20] == 429
    genuine = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    slowed = await api.post(VERIFY, json={"qr": genuine}, headers=headers)
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) > 0


async def test_residents_and_revoked_terminals_cannot_verify(api, holder, admin_headers) -> None:
    payload = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    as_resident = await api.post(VERIFY, json={"qr": payload}, headers=bearer(holder["token"]))
    assert as_resident.status_code == 403
    made = (
        await api.post(
            "/api/v1/admin/terminals",
            json={"name": "Old kiosk", "institution_code": "H0001", "kind": "kiosk"},
            headers=admin_headers,
        )
    ).json()
    headers = await terminal_headers(api, made)
    await api.post(f"/api/v1/admin/terminals/{made['terminal_id']}/revoke", headers=admin_headers)
    assert (await api.post(VERIFY, json={"qr": payload}, headers=headers)).status_code == 401


async def new_terminal(api, admin_headers, name: str) -> dict:
    made = await api.post(
        "/api/v1/admin/terminals",
        json={"name": name, "institution_code": "H0001", "kind": "kiosk"},
        headers=admin_headers,
    )
    assert made.status_code == 201, made.text
    return made.json()


async def test_a_terminal_revoked_after_verifying_is_refused_at_once(
    api, holder, admin_headers
) -> None:
    kiosk = await new_terminal(api, admin_headers, "Kiosk soon revoked")
    headers = await terminal_headers(api, kiosk)
    card_id = holder["card"]["card_id"]
    first = await qr_payload(api, holder["token"], card_id)
    assert (await api.post(VERIFY, json={"qr": first}, headers=headers)).status_code == 200
    await api.post(f"/api/v1/admin/terminals/{kiosk['terminal_id']}/revoke", headers=admin_headers)
    code = await qr_payload(api, holder["token"], card_id)
    refused = await api.post(VERIFY, json={"qr": code}, headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHENTICATED"
    forged = await api.post(VERIFY, json={"qr": code[:-1] + "x"}, headers=headers)
    assert forged.status_code == 401
    # the refused scan did not spend the code: a working window still takes it
    window = await terminal_headers(api, await new_terminal(api, admin_headers, "Window 9"))
    assert (await api.post(VERIFY, json={"qr": code}, headers=window)).status_code == 200


async def test_a_signed_out_resident_gets_no_more_codes(api, holder) -> None:
    card_id = holder["card"]["card_id"]
    await qr_payload(api, holder["token"], card_id)
    ended = await api.delete("/api/v1/channels/sessions", headers=bearer(holder["token"]))
    assert ended.status_code in (200, 204)
    resp = await api.get(f"/api/v1/cards/{card_id}/qrcode", headers=bearer(holder["token"]))
    assert resp.status_code == 401


@pytest.mark.postgres_only  # the embedded store lives in one process: nothing to share
async def test_changes_made_through_another_instance_are_obeyed_at_once(
    api, live, holder, terminal, admin_headers
) -> None:
    headers = await terminal_headers(api, terminal)
    resident = bearer(holder["token"])
    card_id = holder["card"]["card_id"]
    static = await qr_payload(api, holder["token"], card_id, "static")
    # this instance has now verified and shown the card: it knows it
    assert (await api.post(VERIFY, json={"qr": static}, headers=headers)).status_code == 200
    qrcode = f"/api/v1/cards/{card_id}/qrcode"
    with ehc_process(["serve", "--port", str(free_port())], live.env) as other_url:
        async with httpx.AsyncClient(base_url=other_url, timeout=30) as other:
            freeze = f"/api/v1/admin/cards/{card_id}/freeze"
            assert (await other.post(freeze, json={}, headers=admin_headers)).status_code == 200
            frozen = await api.post(VERIFY, json={"qr": static}, headers=headers)
            assert frozen.status_code == 403 and frozen.json()["error"]["code"] == "CARD_FROZEN"
            shown = await api.get(qrcode, headers=resident)
            assert shown.json()["error"]["code"] == "CARD_FROZEN"
            unfreeze = f"/api/v1/admin/cards/{card_id}/unfreeze"
            assert (await other.post(unfreeze, json={}, headers=admin_headers)).status_code == 200
            assert (await api.post(VERIFY, json={"qr": static}, headers=headers)).status_code == 200
            # lost and restored over there: the old printed code is dead here too
            await other.post(f"/api/v1/cards/{card_id}/loss", headers=resident)
            await other.post(f"/api/v1/cards/{card_id}/restore", headers=resident)
            old = await api.post(VERIFY, json={"qr": static}, headers=headers)
            assert old.status_code == 400 and old.json()["error"]["code"] == "QR_FORGED"
            fresh = await qr_payload(api, holder["token"], card_id, "static")
            assert fresh != static
            assert (await api.post(VERIFY, json={"qr": fresh}, headers=headers)).status_code == 200
            # shown as static over there from now on
            await other.put(
                f"/api/v1/cards/{card_id}/display", json={"mode": "static"}, headers=resident
            )
            assert (await api.get(qrcode, headers=resident)).json()["mode"] == "static"
            # unbound over there: this instance hands this user no more codes for it
            await other.delete(f"/api/v1/cards/{card_id}", headers=resident)
            assert (await api.get(qrcode, headers=resident)).status_code == 404
