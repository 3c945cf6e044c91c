"""A Redis master killed (kill -9) under load: its replica takes over, every claim made before
stays made, and no call in between says a spent code is new (it answers, or raises a store
error that the web layer answers 503 STORE_UNAVAILABLE)."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from redis.exceptions import RedisClusterException, RedisError

from api.kv import KV, key


@pytest.mark.xfail(
    strict=False,
    reason="unfinished (issue 20): under 200 concurrent claims redis-py's async cluster client "
    "sometimes answers a resent SET NX as taken, or fails with AttributeError (writer None)",
)
async def test_claims_survive_a_master_failover(cluster) -> None:
    kv = KV.connect(cluster.url)
    try:
        names = [key("qr-used", f"card:C{secrets.token_hex(4)}", "n") for _ in range(200)]
        assert all(await asyncio.gather(*(kv.claim(n, 300, "first") for n in names)))
        await asyncio.sleep(0.5)  # replication is asynchronous: let the replicas copy them
        victim = cluster.master_of(names[0])
        answers: list[object] = []

        async def load() -> None:  # claims again, all through the failover
            for _ in range(40):
                for outcome in await asyncio.gather(
                    *(kv.claim(n, 300, "again") for n in names[:20]), return_exceptions=True
                ):
                    answers.append(outcome)
                await asyncio.sleep(0.1)

        loading = asyncio.create_task(load())
        await asyncio.to_thread(cluster.fail_over, victim)
        await loading
        assert True not in answers  # never a spent code taken again
        assert all(a is False or isinstance(a, RedisError | RedisClusterException) for a in answers)
        again = await asyncio.gather(*(kv.claim(n, 300, "after") for n in names))
        assert not any(again)
        assert cluster.master_of(names[0]) != victim
    finally:
        await kv.close()
