"""Reporting upward (national guide §6.4, §7.4.3): every card collected is registered with the
platform above, its status changes follow, its uses are uploaded, each record exactly once and
in order per card, even when the platform is down for a while; the national blacklist reaches
us by the next sync."""

from __future__ import annotations

import asyncio
import random
import secrets
import time

import httpx
import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.people import make_person
from tests.support.resident import collect, new_holder, register_person, wechat_session

CARDS, USES_PER_CARD = 500, 4


async def _wait(check, seconds: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while True:
        found = await check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(every)


async def _history(api: httpx.AsyncClient, card_id: str) -> list[dict]:
    return (await api.get("/mock/platform/history", params={"card_id": card_id})).json()["records"]


async def test_card_registered_status_followed_and_use_uploaded(
    api: httpx.AsyncClient, channel_apps: dict, terminal: dict, admin_headers: dict
) -> None:
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    card_id = holder["card"]["card_id"]

    async def registered():
        resp = await api.get(f"/mock/platform/cards/{card_id}")
        return resp.json() if resp.status_code == 200 else None

    found = await _wait(registered, 15)
    assert found["issuer"] == holder["card"]["issuer"]
    assert found["holder"]["id_number"] != holder["person"].id_number  # the stand-in masks it
    assert found["holder"]["id_number"][-4:] == holder["person"].id_number[-4:]

    headers = await terminal_headers(api, terminal)
    qr = await qr_payload(api, holder["token"], card_id)
    assert (await api.post("/api/v1/pos/verify", json={"qr": qr, "scene": "registration"},
                           headers=headers)).status_code == 200  # fmt: skip
    lost = await api.post(f"/api/v1/cards/{card_id}/loss",
                          headers={"Authorization": f"Bearer {holder['token']}"})  # fmt: skip
    assert lost.status_code == 200, lost.text

    async def followed():
        card = (await api.get(f"/mock/platform/cards/{card_id}")).json()
        uses = (await api.get("/mock/platform/usage", params={"card_id": card_id})).json()
        return card["status"] == "lost" and len(uses["records"]) == 1 and (card, uses)

    card, uses = await _wait(followed, 15)
    assert uses["records"][0]["institution_code"] == terminal["institution_code"]
    assert [r["kind"] for r in await _history(api, card_id)] == [
        "card.register", "card.usage", "card.status"
    ]  # fmt: skip
    sync = (await api.get("/api/v1/admin/sync", headers=admin_headers)).json()
    assert sync["last_success_at"] is not None and sync["failed"] == 0


async def test_national_blacklist_reaches_us(api: httpx.AsyncClient, channel_apps: dict) -> None:
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    listed = await api.post("/mock/platform/blacklist", json={
        "id_type": "01", "id_number": person.id_number, "reason": "骗保"})  # fmt: skip
    assert listed.status_code == 201
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], secrets.token_hex(6))
    await asyncio.sleep(1.0)  # a sync or two
    resp = await collect(api, session["token"], person)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "BLACKLISTED"


@pytest.mark.slow
async def test_platform_down_backlog_drains_once_in_order(
    api: httpx.AsyncClient, channel_apps: dict, terminal: dict, admin_headers: dict
) -> None:
    """500 collections and 2,000 uses while the platform answers 500, then times out; it comes
    back and holds every registration and record once, in order per card."""
    app_id = channel_apps["wechat"]["app_id"]
    await api.post("/mock/faults", json={"target": "platform", "mode": "http_500",
                                         "count": 10**9})  # fmt: skip
    gate = asyncio.Semaphore(4)
    headers = await terminal_headers(api, terminal)

    async def one_card() -> str:
        async with gate:
            session = await wechat_session(api, app_id, secrets.token_hex(6))
            person = make_person(random.Random(secrets.randbits(64)))
            await register_person(api, person)
            resp = await collect(api, session["token"], person)
            assert resp.status_code == 201, resp.text
            card_id = resp.json()["card_id"]
            for _ in range(USES_PER_CARD):
                qr = await qr_payload(api, session["token"], card_id)
                used = await api.post("/api/v1/pos/verify", json={"qr": qr, "scene": "lab"},
                                      headers=headers)  # fmt: skip
                assert used.status_code == 200, used.text
            return card_id

    try:
        cards = await asyncio.gather(*(one_card() for _ in range(CARDS)))
        await asyncio.sleep(1.0)  # the last uses reach the outbox with the batch writer
        backlog = (await api.get("/api/v1/admin/sync", headers=admin_headers)).json()
        assert backlog["pending"] >= CARDS * (1 + USES_PER_CARD), backlog
        assert backlog["failures_in_a_row"] > 0 and backlog["oldest_pending_at"]
        assert (await api.get(f"/mock/platform/cards/{cards[0]}")).status_code == 404
    finally:
        await api.delete("/mock/faults")
    # Back, but the first uploads reach it only after we stopped waiting: they come again.
    await api.post("/mock/faults", json={"target": "platform", "mode": "timeout",
                                         "count": 2, "delay": 4})  # fmt: skip

    async def drained():
        sync = (await api.get("/api/v1/admin/sync", headers=admin_headers)).json()
        return sync["pending"] == 0 and sync

    await _wait(drained, 180, 0.5)
    for card_id in cards:
        records = await _history(api, card_id)
        assert [r["kind"] for r in records] == ["card.register"] + ["card.usage"] * USES_PER_CARD
        assert len({r["record_id"] for r in records}) == len(records)
        stamps = [r["at"] for r in records]
        assert stamps == sorted(stamps)
        assert (await api.get(f"/mock/platform/cards/{card_id}")).json()["status"] == "active"
    stats = (await api.get("/mock/platform/stats")).json()
    assert stats["duplicates"] > 0  # the timed-out uploads came twice and were held once
