"""The 7 a.m. rush: residents with their own cards all booking one slot at once, against the
outside one-SQL-round-trip baseline (``bench.outside_app``: plain Starlette, the same server
settings and the same requests, started in the same run), then against the in-app one.

Prints booked, refused, over-booked (must be 0), attempts/s and p99. Target: attempts/s
≥ 0.5 of the outside baseline. The first places are sold in the first second; after that the
rush is refusals, so longer runs weigh them more.
Run: .venv/bin/python -m bench.booking_rush [--seconds 10] [--cards 1000] [--places 200]
     [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

from bench.harness import ROOT, bench_database, free_port, outside_server, served_process, wrk
from bench.setup import admin_headers, mock_env, wechat_app
from tests.support.hospital import ensure_hospital, one_slot
from tests.support.people import make_person
from tests.support.resident import collect, register_person, wechat_session

HOSPITAL = "H0001"


async def _slot(api: httpx.AsyncClient, admin: dict[str, str], places: int) -> int:
    await ensure_hospital(api, admin, HOSPITAL)
    _, slot_id = await one_slot(api, admin, HOSPITAL, capacity=places)
    return slot_id


async def _residents(api: httpx.AsyncClient, app_id: str, n: int) -> list[tuple[str, str]]:
    """``n`` residents, each with a card: (card_id, session token)."""
    rng = random.Random(7)
    gate = asyncio.Semaphore(64)

    async def one() -> tuple[str, str]:
        async with gate:
            person = make_person(rng)
            await register_person(api, person)
            token = (await wechat_session(api, app_id, secrets.token_hex(6)))["token"]
            card = await collect(api, token, person)
            return card.json()["card_id"], token

    return await asyncio.gather(*(one() for _ in range(n)))


async def _prepare(base: str, env: dict[str, str], cards: int, places: int):
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        admin = await admin_headers(api, env)
        app_id = await wechat_app(api, admin)
        slot_id = await _slot(api, admin, places)
        return slot_id, await _residents(api, app_id, cards)


async def _count(env: dict[str, str], slot_id: int) -> tuple[int, int]:
    """(live bookings of the slot, its booked counter), read straight from PostgreSQL."""
    conn = await asyncpg.connect(env["EHC_DATABASE_URL"].replace("postgres://", "postgresql://"))
    try:
        live = await conn.fetchval(
            "SELECT count(*) FROM appointment WHERE slot_id = $1 AND live_key IS NOT NULL", slot_id
        )
        booked = await conn.fetchval("SELECT booked FROM slot WHERE id = $1", slot_id)
        return live, booked
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="for ours and the outside app")
    args = parser.parse_args()
    lua = str(ROOT / "bench/booking_rush.lua")
    with bench_database() as env:
        port = free_port()
        env = mock_env(env, f"http://127.0.0.1:{port}")
        # Set up on one worker: the stand-ins under /mock keep their state in their process.
        with served_process(env, port=port, upgrade=True) as (base, _):
            slot_id, people = asyncio.run(_prepare(base, env, args.cards, args.places))
        path = Path(tempfile.mkstemp(prefix="ehc-rush-", suffix=".txt")[1])
        path.write_text("".join(f"{card} {token}\n" for card, token in people))
        with outside_server(env, workers=args.workers) as outside:
            out_sql = wrk(
                "outside: one SQL round trip", outside, seconds=args.seconds, script=lua,
                script_args=[str(path), str(slot_id), "/sql"],
            )  # fmt: skip
        with served_process(env, port=port, workers=args.workers) as (base, _):
            rush = wrk(
                "POST /appointments (rush)", base, seconds=args.seconds, script=lua,
                script_args=[str(path), str(slot_id)],
            )  # fmt: skip
            sql = wrk("in-app: one SQL round trip", f"{base}/bench/sql", seconds=args.seconds)
        live, counter = asyncio.run(_count(env, slot_id))
        path.unlink()
    print(
        f"Booking rush, {args.workers} uvicorn worker(s) (uvloop + httptools), "
        "PostgreSQL + Redis, wrk -t2 -c32"
    )
    print(f"{args.cards} residents with cards, one slot with {args.places} places")
    print(out_sql.row())
    print(rush.row(out_sql))
    print("-- in-app baseline (mounted inside our app: it carries our plumbing) --")
    print(sql.row())
    print(rush.row(sql))
    print(
        f"booked {live} (slot counter {counter}), refused {rush.requests - live} of "
        f"{rush.requests} attempts, over-booked {max(0, live - args.places)}"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
