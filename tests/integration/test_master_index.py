"""The master index: one person found from their document with every identifier; two persons
found to be one merged with a reason, and the merge undone exactly; terminals find only their
own institution's patients."""

from __future__ import annotations

import httpx

from tests.support.counter import qr_payload, terminal_headers
from tests.support.resident import new_holder


async def _used_at(api: httpx.AsyncClient, holder: dict, headers: dict) -> str:
    qr = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    resp = await api.post("/api/v1/pos/verify", json={"qr": qr, "scene": "registration"},
                          headers=headers)  # fmt: skip
    assert resp.status_code == 200, resp.text
    return resp.json()["patient_id"]


async def _person(api: httpx.AsyncClient, admin: dict, holder: dict) -> dict:
    resp = await api.get(
        "/api/v1/admin/persons",
        headers=admin,
        params={"id_type": "01", "id_number": holder["person"].id_number},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_merge_then_undo_restores_every_identifier(
    api: httpx.AsyncClient, channel_apps: dict, terminal: dict, admin_headers: dict
) -> None:
    headers = await terminal_headers(api, terminal)
    one = await new_holder(api, channel_apps["wechat"]["app_id"])
    two = await new_holder(api, channel_apps["wechat"]["app_id"])
    patient_one = await _used_at(api, one, headers)
    await _used_at(api, two, headers)

    before_one, before_two = (
        await _person(api, admin_headers, one),
        await _person(api, admin_headers, two),
    )
    systems = {i["system"] for i in before_one["identifiers"]}
    assert {"id:01", "ehc", f"patient:{terminal['institution_code']}"} <= systems
    assert any(s.startswith("channel:") for s in systems)
    assert one["person"].id_number not in str(before_one)  # masked
    assert before_one["person_id"] != before_two["person_id"]

    merged = await api.post(f"/api/v1/admin/persons/{before_one['person_id']}/merge",
                            json={"other_person_id": before_two["person_id"],
                                  "reason": "同一人两次建档"}, headers=admin_headers)  # fmt: skip
    assert merged.status_code == 200, merged.text
    after = await _person(api, admin_headers, two)
    assert after["person_id"] == before_one["person_id"]
    assert {c["card_id"] for c in after["cards"]} == {
        one["card"]["card_id"],
        two["card"]["card_id"],
    }
    ids = [i["value"] for i in after["identifiers"] if i["system"] == "ehc"]
    assert sorted(ids) == sorted([one["card"]["card_id"], two["card"]["card_id"]])
    # Both cards go on working as before.
    await _used_at(api, two, headers)

    undone = await api.post(f"/api/v1/admin/merges/{merged.json()['merge_id']}/undo",
                            headers=admin_headers)  # fmt: skip
    assert undone.status_code == 200, undone.text
    assert await _person(api, admin_headers, one) == before_one
    assert await _person(api, admin_headers, two) == before_two
    again = await api.post(f"/api/v1/admin/merges/{merged.json()['merge_id']}/undo",
                           headers=admin_headers)  # fmt: skip
    assert again.status_code == 409

    audit = (await api.get("/api/v1/admin/audit", headers=admin_headers)).json()["entries"]
    actions = [e["action"] for e in audit]
    assert "person.merge" in actions and "person.merge_undo" in actions

    found = await api.post("/api/v1/pos/identifiers/lookup", headers=headers, json={
        "system": f"patient:{terminal['institution_code']}", "value": patient_one})  # fmt: skip
    assert found.status_code == 200, found.text
    assert found.json() == {"card_id": one["card"]["card_id"], "patient_id": patient_one}
    elsewhere = await api.post("/api/v1/pos/identifiers/lookup", headers=headers, json={
        "system": "patient:H9999", "value": patient_one})  # fmt: skip
    assert elsewhere.status_code == 404
