"""Card collection throughput, and lookup-by-ID-number latency at 10k and 1M cards.

Collection goes through the whole public path (channel session, SMS code from the stand-in
phone, real-name check, POST /cards) with concurrent residents. The lookups use the admin's
``POST /admin/cards/lookup`` (blind index → card); the cards beyond the collected ones are
bulk-inserted with COPY, sealed with the same keys, so the index is the real one.

Run: .venv/bin/python -m bench.cards [--collect 300] [--big 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pyotp

from api.cards.identity import Identity, sealed_fields
from api.context import AppContext
from api.keys import load_or_create
from bench.harness import ROOT, api_server, bench_database, free_port
from tests.support.people import Person, id_number, make_person
from tests.support.resident import collect, register_person, wechat_session

LOOKUPS = 400
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _admin(env: dict[str, str]) -> tuple[str, str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "admin", "create", "bench-admin"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    password = next(line.split()[1] for line in out.splitlines() if line.startswith("password:"))
    uri = next(line.split()[1] for line in out.splitlines() if line.startswith("totp:"))
    return "bench-admin", password, pyotp.parse_uri(uri).secret


async def _collect_many(api: httpx.AsyncClient, app_id: str, n: int) -> tuple[float, list[str]]:
    rng = random.Random(1)
    people = [make_person(rng) for _ in range(n)]
    for person in people:
        await register_person(api, person)
    gate = asyncio.Semaphore(64)

    async def one(person) -> int:
        async with gate:
            token = (await wechat_session(api, app_id, secrets.token_hex(6)))["token"]
            return (await collect(api, token, person)).status_code

    started = time.perf_counter()
    statuses = await asyncio.gather(*(one(p) for p in people))
    elapsed = time.perf_counter() - started
    assert statuses.count(201) == n, statuses
    return n / elapsed, [p.id_number for p in people]


def _unique_person(series: int, n: int) -> Person:
    """The n-th made-up person of a series: ID numbers never repeat (region per series)."""
    region = ("320102", "350102", "370102", "610102")[series]  # not used by make_person
    birth = date(1960, 1, 1) + timedelta(days=n // 998)
    phone = f"139{n % 100_000_000:08d}"
    return Person(
        "测试" + "甲乙丙丁戊己庚辛壬癸"[n % 10], id_number(birth, n % 998 + 1, region), phone
    )


async def _bulk_insert(env: dict[str, str], start: int, count: int) -> list[str]:
    """COPY ``count`` sealed people and their cards; returns a sample of their ID numbers."""
    keys = load_or_create(Path(env["EHC_DATA_DIR"]) / "keys.json")
    ctx = AppContext(settings=None, kv=None, keys=keys, http=None, adapters=None)  # type: ignore[arg-type]
    rng = random.Random(start)
    url = env["EHC_DATABASE_URL"].replace("postgres://", "postgresql://")
    conn = await asyncpg.connect(url)
    sample: list[str] = []
    try:
        next_id = (await conn.fetchval("SELECT coalesce(max(id), 0) FROM person")) + 1
        batch = 50_000
        for offset in range(0, count, batch):
            people, cards = [], []
            for i in range(min(batch, count - offset)):
                p = _unique_person(start, offset + i)
                f = sealed_fields(ctx, Identity(p.name, "01", p.id_number, p.phone))
                pid = next_id + offset + i
                sealed = (f["id_number_sealed"], f["name_sealed"], f["phone_sealed"])
                people.append((pid, "01", f["id_number_idx"], *sealed, f["phone_idx"], "1", NOW))
                card = (secrets.token_hex(32), pid, "1100A0001", "active", "dynamic")
                cards.append((*card, secrets.token_hex(8), "v1:x", NOW, NOW))
                if len(sample) < LOOKUPS and rng.random() < 0.01:
                    sample.append(p.id_number)
            await conn.copy_records_to_table(
                "person",
                records=people,
                columns=["id", "id_type", "id_number_idx", "id_number_sealed", "name_sealed",
                         "phone_sealed", "phone_idx", "gender", "created_at"],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "card",
                records=cards,
                columns=["card_id", "person_id", "issuer", "status", "display_mode", "static_ref",
                         "totp_secret_sealed", "created_at", "updated_at"],
            )  # fmt: skip
        await conn.execute("ANALYZE person; ANALYZE card")
    finally:
        await conn.close()
    return sample


async def _lookup_latency(api: httpx.AsyncClient, headers: dict, numbers: list[str]) -> tuple:
    times = []
    for number in numbers:
        started = time.perf_counter()
        resp = await api.post(
            "/api/v1/admin/cards/lookup", json={"id_number": number}, headers=headers
        )
        times.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, resp.text
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


async def run(collect_n: int, big: int, env: dict[str, str], base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        app_id, secret = "wxbench" + secrets.token_hex(4), secrets.token_hex(16)
        await api.post("/mock/wechat/apps", json={"appid": app_id, "secret": secret})
        user, password, totp = _admin(env)
        session = await api.post(
            "/api/v1/admin/sessions",
            json={"username": user, "password": password, "totp": pyotp.TOTP(totp).now()},
        )
        headers = {"Authorization": f"Bearer {session.json()['token']}"}
        await api.post(
            "/api/v1/admin/channel-apps",
            json={"kind": "wechat", "name": "bench", "app_id": app_id, "app_secret": secret},
            headers=headers,
        )
        rate, collected = await _collect_many(api, app_id, collect_n)
        print(f"card collection, {collect_n} residents at once: {rate:8.1f} cards/s "
              f"(each: session + SMS code + real-name check + POST /cards)")  # fmt: skip
        sample_small = await _bulk_insert(env, 1, 10_000 - collect_n)
        p50, p99 = await _lookup_latency(api, headers, (collected + sample_small)[:LOOKUPS])
        print(f"lookup by ID number at {10_000:>9,} cards: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
        sample_big = await _bulk_insert(env, 2, big - 10_000)
        p50b, p99b = await _lookup_latency(api, headers, sample_big[:LOOKUPS])
        print(f"lookup by ID number at {big:>9,} cards: p50 {p50b:6.2f} ms  p99 {p99b:6.2f} ms"
              f"  (p50 ratio to 10k: {p50b / p50:4.2f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collect", type=int, default=300)
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_database() as env:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **env,
            "EHC_SMS_BASE_URL": f"{base}/mock/sms",
            "EHC_SMS_API_KEY": "bench",
            "EHC_IDCHECK_BASE_URL": f"{base}/mock/idcheck",
            "EHC_WECHAT_API_BASE": f"{base}/mock/wechat/",
            "EHC_BENCH_WITH_MOCK": "1",
        }
        with api_server(env, port=port):
            asyncio.run(run(args.collect, args.big, env, base))


if __name__ == "__main__":
    main()
