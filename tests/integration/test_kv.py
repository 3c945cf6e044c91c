"""The cache door (single-use keys, windows, locks, token expiry) on the store under test:
real Redis in the PostgreSQL run, the embedded store in the embedded run."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from api import tokens
from api.kv import KV, LockBusy, key

pytestmark = pytest.mark.storage


@pytest.fixture
async def kv(backend_settings) -> AsyncIterator[KV]:
    store = KV.connect(backend_settings.redis_url)
    yield store
    await store.close()


def fresh(area: str) -> str:
    return key(area, secrets.token_hex(4), "x")


def test_keys_carry_a_hash_tag_for_cluster_slots() -> None:
    assert key("nonce", "client:abc", "n1") == "ehc:nonce:{client:abc}:n1"


async def test_claim_succeeds_once_among_concurrent_callers(kv: KV) -> None:
    name = fresh("claim")
    results = await asyncio.gather(*(kv.claim(name, 60) for _ in range(50)))
    assert results.count(True) == 1


async def test_take_returns_the_value_once(kv: KV) -> None:
    name = fresh("take")
    await kv.set(name, "v", 60)
    assert await kv.take(name) == "v"
    assert await kv.take(name) is None


async def test_hit_counts_within_a_window(kv: KV) -> None:
    name = fresh("hit")
    counts = [await kv.hit(name, 60) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert 0 < await kv.ttl(name) <= 60


async def test_lock_is_exclusive_and_released(kv: KV) -> None:
    name = fresh("lock")
    async with kv.lock(name, ttl=5):
        with pytest.raises(LockBusy):
            async with kv.lock(name, ttl=5):
                pass
    async with kv.lock(name, ttl=5):
        pass


async def test_tokens_expire_and_groups_revoke(kv: KV) -> None:
    short = await tokens.issue(kv, {"kind": "client", "sub": "a"}, ttl=1)
    assert (await tokens.resolve(kv, short))["sub"] == "a"
    await asyncio.sleep(1.2)
    assert await tokens.resolve(kv, short) is None
    group = f"client:{secrets.token_hex(4)}"
    made = [await tokens.issue(kv, {"kind": "client", "sub": "b"}, 60, group=group) for _ in "ab"]
    assert await tokens.revoke_group(kv, group) == 2
    assert [await tokens.resolve(kv, t) for t in made] == [None, None]


async def test_a_short_lived_member_does_not_cut_its_groups_life(kv: KV) -> None:
    group = f"user:{secrets.token_hex(4)}"
    lasting = await tokens.issue(kv, {"kind": "resident", "sub": "c"}, 60, group=group)
    await tokens.issue(kv, {"kind": "resident", "sub": "c"}, 1, group=group)
    await asyncio.sleep(2.2)  # the short one and, were its expiry the group's, the group: gone
    assert await tokens.revoke_group(kv, group) == 1
    assert await tokens.resolve(kv, lasting) is None


async def test_one_trip_reads_and_claims_beside_a_present_key(kv: KV) -> None:
    tag = secrets.token_hex(4)
    used, beside, other = key("t", tag, "used"), key("t", tag, "state"), fresh("other")
    trip = kv.trip()
    at = trip.claim_beside(used, 60, "me", beside)
    assert (await trip.send())[at] is None  # nothing beside it: nothing taken
    assert await kv.claim(used, 60, "someone")  # (so it was not taken above)
    await kv.delete(used)
    await kv.set(beside, "active", 60)
    await kv.set(other, "x", 60)

    async def attempt(value: str) -> list:
        trip = kv.trip()
        trip.get(other)
        trip.claim_beside(used, 60, value, beside)
        return await trip.send()

    answers = await asyncio.gather(*(attempt(f"v{i}") for i in range(20)))
    assert all(a[0] == "x" and a[1].beside == "active" for a in answers)
    assert sum(a[1].taken for a in answers) == 1
    winner = next(f"v{i}" for i, a in enumerate(answers) if a[1].taken)
    assert (await attempt(winner))[1].taken  # sent again after a lost reply: still ours
    await kv.unclaim(used, "v-not-the-winner")
    assert not (await attempt("late"))[1].taken
    await kv.unclaim(used, winner)
    assert (await attempt("late"))[1].taken


async def test_a_fill_that_read_an_older_generation_is_refused(kv: KV) -> None:
    tag = secrets.token_hex(4)
    value, generation = key("g", tag, "value"), key("g", tag, "gen")
    seen = await kv.get(generation)
    assert await kv.set_if_unchanged(value, "old", 60, guard=generation, seen=seen)
    seen = await kv.get(generation)
    await kv.forget(value, generation, 60)  # a change lands between the read and the fill
    assert await kv.get(value) is None
    assert not await kv.set_if_unchanged(value, "stale", 60, guard=generation, seen=seen)
    assert await kv.get(value) is None
    fresh_seen = await kv.get(generation)
    assert await kv.set_if_unchanged(value, "new", 60, guard=generation, seen=fresh_seen)
    assert await kv.get(value) == "new"


async def test_a_trip_survives_its_kept_connection_dying(kv: KV) -> None:
    if kv.twin is not None:
        pytest.skip("the embedded store has no connections")
    name = fresh("kept")
    await kv.set(name, "v", 60)

    async def read() -> str | None:
        trip = kv.trip()
        at = trip.get(name)
        return (await trip.send())[at]

    assert await read() == "v"
    kept = kv.idle[-1]
    kept._writer.transport.close()  # closed under it (a failover, a restart)
    assert await read() == "v"
    reconnected = kv.idle[-1]
    await kv.redis.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    assert await read() == "v"  # the store dropped every client: sent again on a new one
    assert reconnected in kv.idle
