"""What cards leave in storage: one card per person under concurrency, no plaintext identity."""

from __future__ import annotations

import asyncio
import random
import secrets
import subprocess
import sys

import asyncpg
import pytest

from tests.conftest import BACKEND
from tests.support.people import make_person
from tests.support.resident import (
    alipay_session,
    collect,
    collect_by_face,
    inhouse_session,
    register_person,
    wechat_session,
)


async def _counts(database_url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        cards = await conn.fetchval("SELECT count(*) FROM card")
        bindings = await conn.fetchval("SELECT count(*) FROM card_binding")
    finally:
        await conn.close()
    return cards, bindings


@pytest.mark.postgres_only
@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "postgres", reason="this race is about PostgreSQL's guarantees")
async def test_1000_concurrent_collections_make_800_cards_and_1000_bindings(
    api, live, channel_apps
) -> None:
    rng = random.Random(20261124)
    people = [make_person(rng) for _ in range(800)]
    gate = asyncio.Semaphore(80)

    async def limited(coro):
        async with gate:
            return await coro

    await asyncio.gather(*(limited(register_person(api, p)) for p in people))
    kinds = ("wechat", "alipay", "inhouse")

    async def session(kind: str) -> str:
        user = secrets.token_hex(8)
        if kind == "wechat":
            return (await wechat_session(api, channel_apps["wechat"]["app_id"], user))["token"]
        if kind == "alipay":
            return (await alipay_session(api, channel_apps["alipay"]["app_id"], user))["token"]
        return (await inhouse_session(api, channel_apps["inhouse"], user))["token"]

    async def one(person, kind: str, again: bool) -> int:
        token = await session(kind)
        if again:
            # the second account proves it with the person's face (the SMS code went to their
            # phone a moment ago; one code per phone per minute)
            return (await collect_by_face(api, token, person, phone=person.phone)).status_code
        return (await collect(api, token, person)).status_code

    jobs = [(p, kinds[i % 3], False) for i, p in enumerate(people)]
    jobs += [(p, kinds[(i + 1) % 3], True) for i, p in enumerate(people[:200])]  # elsewhere
    random.Random(7).shuffle(jobs)
    before = await _counts(live.settings.database_url)
    statuses = await asyncio.gather(*(limited(one(p, k, a)) for p, k, a in jobs))
    after = await _counts(live.settings.database_url)
    assert sorted(set(statuses)) in ([200, 201], [201, 200])
    assert statuses.count(201) == 800 and statuses.count(200) == 200
    assert (after[0] - before[0], after[1] - before[1]) == (800, 1000)


def _storage_bytes(live) -> bytes:
    if BACKEND == "postgres":
        url = live.settings.database_url.replace("postgres://", "postgresql://")
        return subprocess.run(["pg_dump", url], capture_output=True, check=True).stdout
    # Read in another process: the test server in this one holds the file open, and closing
    # any descriptor of a SQLite file drops every POSIX lock the process holds on it (the next
    # `ehc` command then took the database for its own, deleted the WAL the server was writing
    # and left it "malformed").
    path = live.settings.resolved_database_url.removeprefix("sqlite://")
    return subprocess.run(
        [sys.executable, "-c", _CHECKPOINT_AND_READ, path], capture_output=True, check=True
    ).stdout


_CHECKPOINT_AND_READ = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(FULL)")
db.close()
with open(sys.argv[1], "rb") as f:
    sys.stdout.buffer.write(f.read())
"""


async def test_storage_holds_no_plaintext_name_id_number_or_phone(api, live, channel_apps) -> None:
    rng = random.Random(secrets.randbits(64))
    people = [make_person(rng) for _ in range(5)]
    for person in people:
        await register_person(api, person)
        user = secrets.token_hex(6)
        token = (await wechat_session(api, channel_apps["wechat"]["app_id"], user))["token"]
        assert (await collect(api, token, person)).status_code == 201
    dump = _storage_bytes(live)
    for person in people:
        for secret in (person.name, person.id_number, person.phone):
            for encoding in ("utf-8", "gbk", "utf-16-le"):
                assert secret.encode(encoding) not in dump, "plaintext personal data in storage"
