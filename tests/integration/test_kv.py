"""The cache door (single-use keys, windows, locks, token expiry) on the store under test:
real Redis in the PostgreSQL run, the embedded store in the embedded run."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from api.auth import tokens
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
