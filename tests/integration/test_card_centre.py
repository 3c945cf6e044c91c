"""The card centre's hand on cards and institutions (API.md "Institutions, regions, roles"):
a blacklisted person's card is refused at terminals and at booking, a replaced card's earlier
codes are forged, a deactivated institution's terminals stop at once, users are disabled."""

from __future__ import annotations

import secrets

from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import one_slot
from tests.support.partner import bearer
from tests.support.resident import new_holder
from tests.support.staff import new_staff


async def _blacklist(api, admin_headers, holder) -> dict:
    resp = await api.post("/api/v1/admin/blacklist", headers=admin_headers, json={
        "id_type": "01", "id_number": holder["person"].id_number, "reason": "冒用"})  # fmt: skip
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_a_blacklisted_persons_card_is_refused_at_the_counter_and_at_booking(
    api, admin_headers, channel_apps, terminal, clinic
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    card_id = holder["card"]["card_id"]
    pos = await terminal_headers(api, terminal)
    first = await api.post(
        "/api/v1/pos/verify",
        headers=pos,
        json={"qr": await qr_payload(api, holder["token"], card_id)},
    )
    assert first.status_code == 200, first.text

    entry = await _blacklist(api, admin_headers, holder)
    refused = await api.post(
        "/api/v1/pos/verify",
        headers=pos,
        json={"qr": await qr_payload(api, holder["token"], card_id)},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "BLACKLISTED"
    _, slot_id = await one_slot(api, admin_headers, clinic)
    booking = await api.post("/api/v1/appointments", headers=bearer(holder["token"]),
                             json={"card_id": card_id, "slot_id": slot_id})  # fmt: skip
    assert booking.status_code == 403 and booking.json()["error"]["code"] == "BLACKLISTED"

    lifted = await api.delete(f"/api/v1/admin/blacklist/{entry['id']}", headers=admin_headers)
    assert lifted.status_code in (200, 204)
    again = await api.post(
        "/api/v1/pos/verify",
        headers=pos,
        json={"qr": await qr_payload(api, holder["token"], card_id)},
    )
    assert again.status_code == 200, again.text


async def test_a_replaced_card_keeps_its_id_and_every_earlier_code_is_forged(
    api, admin_headers, channel_apps, terminal
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    card_id = holder["card"]["card_id"]
    pos = await terminal_headers(api, terminal)
    old_dynamic = await qr_payload(api, holder["token"], card_id)
    old_static = await qr_payload(api, holder["token"], card_id, mode="static")

    replaced = await api.post(f"/api/v1/cards/{card_id}/replace", headers=bearer(holder["token"]))
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["card_id"] == card_id and replaced.json()["status"] == "active"
    for old in (old_dynamic, old_static):
        resp = await api.post("/api/v1/pos/verify", json={"qr": old}, headers=pos)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "QR_FORGED", resp.text
    fresh = await api.post(
        "/api/v1/pos/verify",
        headers=pos,
        json={"qr": await qr_payload(api, holder["token"], card_id)},
    )
    assert fresh.status_code == 200 and fresh.json()["card_id"] == card_id

    # At the card centre, a lost card is replaced and comes back active.
    lost = await api.post(f"/api/v1/cards/{card_id}/loss", headers=bearer(holder["token"]))
    assert lost.status_code == 200
    by_admin = await api.post(f"/api/v1/admin/cards/{card_id}/replace", headers=admin_headers)
    assert by_admin.status_code == 200 and by_admin.json()["status"] == "active", by_admin.text
    listed = await api.get("/api/v1/admin/cards", params={"status": "active"},
                           headers=admin_headers)  # fmt: skip
    assert card_id in {c["card_id"] for c in listed.json()["cards"]}
    events = await api.get(f"/api/v1/admin/cards/{card_id}/events", headers=admin_headers)
    assert [e["action"] for e in events.json()["events"]].count("replace") == 2


async def test_deactivating_an_institution_stops_its_terminals_at_once(api, admin_headers) -> None:
    code = "HD" + secrets.token_hex(3).upper()
    made = await api.post(
        "/api/v1/admin/institutions",
        headers=admin_headers,
        json={"code": code, "name": "停用测试医院", "kind": "hospital", "region_code": "330106"},
    )
    assert made.status_code == 201, made.text
    window = await api.post(
        "/api/v1/admin/terminals",
        headers=admin_headers,
        json={"name": "窗口", "institution_code": code, "kind": "counter"},
    )
    pos = await terminal_headers(api, window.json())
    alive = await api.post("/api/v1/pos/verify", json={"qr": "EHC1:S:x:y:z"}, headers=pos)
    assert alive.status_code == 400  # answered: the token works

    gone = await api.post(f"/api/v1/admin/institutions/{code}/deactivate", headers=admin_headers)
    assert gone.status_code == 200 and gone.json()["active"] is False
    refused = await api.post("/api/v1/pos/verify", json={"qr": "EHC1:S:x:y:z"}, headers=pos)
    assert refused.status_code == 401
    inactive = await api.get("/api/v1/admin/institutions", params={"active": "false"},
                             headers=admin_headers)  # fmt: skip
    assert code in {i["code"] for i in inactive.json()["institutions"]}
    more = await api.post(
        "/api/v1/admin/terminals",
        headers=admin_headers,
        json={"name": "窗口2", "institution_code": code, "kind": "counter"},
    )
    assert more.status_code == 409


async def test_a_disabled_users_session_ends_at_once(api, admin_headers) -> None:
    account, headers = await new_staff(api, admin_headers, "auditor", None)
    assert (await api.get("/api/v1/admin/stats", headers=headers)).status_code == 200
    listed = await api.get("/api/v1/admin/users", headers=admin_headers)
    assert account.username in {u["username"] for u in listed.json()["users"]}
    off = await api.post(f"/api/v1/admin/users/{account.username}/disable", headers=admin_headers)
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await api.get("/api/v1/admin/stats", headers=headers)).status_code == 401
    trail = await api.get("/api/v1/admin/audit", params={"target_id": account.username},
                          headers=admin_headers)  # fmt: skip
    assert {"user.create", "user.disable"} <= {e["action"] for e in trail.json()["entries"]}
