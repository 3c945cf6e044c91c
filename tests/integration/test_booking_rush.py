"""The 7 a.m. rush on PostgreSQL: many cards, few places, exact counts; holds that lapse give
their places back exactly once, with two instances sweeping."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.support.hospital import ensure_hospital, one_slot
from tests.support.partner import bearer
from tests.support.processes import ehc_process, free_port
from tests.support.resident import new_holder

# The guarantee is PostgreSQL's (serve shares Redis); hundreds of clients at once: slow.
pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


async def holders(api, channel_apps, n: int) -> list[dict]:
    gate = asyncio.Semaphore(50)

    async def one() -> dict:
        async with gate:
            return await new_holder(api, channel_apps["wechat"]["app_id"])

    return await asyncio.gather(*(one() for _ in range(n)))


async def rush(base: str, people: list[dict], slot_id: int) -> list[httpx.Response]:
    """Everyone presses "book" at the same moment."""
    limits = httpx.Limits(max_connections=len(people))
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/api/v1/appointments",
                    json={"card_id": p["card"]["card_id"], "slot_id": slot_id},
                    headers=bearer(p["token"]),
                )
                for p in people
            )
        )


async def remaining(api, schedule: dict) -> int:
    resp = await api.get(
        "/api/v1/schedules",
        params={"department_id": schedule["department_id"], "date": schedule["date"]},
    )
    (found,) = [s for s in resp.json()["schedules"] if s["schedule_id"] == schedule["schedule_id"]]
    return found["slots"][0]["remaining"]


async def test_300_cards_20_places(api, admin_headers, terminal, channel_apps) -> None:
    hospital = terminal["institution_code"]
    await ensure_hospital(api, admin_headers, hospital)
    schedule, slot_id = await one_slot(api, admin_headers, hospital, capacity=20)
    people = await holders(api, channel_apps, 300)
    answers = await rush(str(api.base_url), people, slot_id)
    codes = [r.status_code for r in answers]
    assert codes.count(201) == 20 and codes.count(409) == 280, sorted(set(codes))
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"SLOT_FULL"}
    assert await remaining(api, schedule) == 0


async def test_lapsed_holds_are_sold_again_exactly(
    api, live, admin_headers, terminal, channel_apps
) -> None:
    hospital = terminal["institution_code"]
    await ensure_hospital(api, admin_headers, hospital)
    schedule, slot_id = await one_slot(api, admin_headers, hospital, capacity=20, fee=1500)
    first, second = await holders(api, channel_apps, 20), await holders(api, channel_apps, 21)
    # A second instance with 1-second holds: its sweeper and the test server's both release
    # lapsed holds, and each place must come back once.
    env = {**live.env, "EHC_PAY_SECONDS": "1", "EHC_SWEEP_SECONDS": "0.2"}
    with ehc_process(["serve", "--port", str(free_port())], env) as base:
        held = await rush(base, first, slot_id)
        assert [r.json()["status"] for r in held] == ["pending_payment"] * 20
        assert await remaining(api, schedule) == 0
        deadline = time.monotonic() + 15
        while await remaining(api, schedule) != 20:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        statuses = {
            (await api.get(f"/api/v1/appointments/{r.json()['appointment_id']}",
                           headers=bearer(p["token"]))).json()["status"]
            for r, p in zip(held, first, strict=True)
        }  # fmt: skip
        assert statuses == {"expired"}
        again = await rush(base, second, slot_id)
    codes = [r.status_code for r in again]
    assert codes.count(201) == 20 and codes.count(409) == 1
    assert await remaining(api, schedule) == 0
