"""The one door to Redis (or the embedded Redis-compatible store): single-use keys, counters,
short locks and small values.

Keys are built with :func:`key`, which wraps the part that groups related keys in a hash tag
(``ehc:nonce:{client:abc}:…``) so multi-key work stays on one slot of a Redis Cluster.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import WatchError

MAX_CONNECTIONS = 128  # per worker process
POOL_WAIT = 10  # seconds a request waits for a free connection


def key(area: str, tag: str, *rest: str) -> str:
    """``key("nonce", "client:abc", "n1")`` → ``ehc:nonce:{client:abc}:n1``."""
    tail = ":".join(rest)
    return f"ehc:{area}:{{{tag}}}" + (f":{tail}" if tail else "")


class LockBusy(Exception):
    """Raised when a short lock is held by someone else."""


class KV:
    """Small, typed operations over a ``redis.asyncio.Redis`` (real or fakeredis)."""

    def __init__(self, redis: Redis, *, embedded: bool = False) -> None:
        self.redis = redis
        self.embedded = embedded

    @classmethod
    def connect(cls, url: str | None) -> KV:
        """Real Redis for a URL; the in-process store for ``None``."""
        if url:
            # A burst of requests waits for a free connection instead of failing with
            # "Too many connections".
            pool = BlockingConnectionPool.from_url(
                url,
                max_connections=MAX_CONNECTIONS,
                timeout=POOL_WAIT,
                decode_responses=True,
                health_check_interval=30,
            )
            return cls(Redis(connection_pool=pool))
        from fakeredis import FakeAsyncRedis  # only the embedded default needs it

        return cls(FakeAsyncRedis(decode_responses=True), embedded=True)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.redis.aclose()

    async def ping(self) -> bool:
        """True when the store answers."""
        return bool(await self.redis.ping())

    async def claim(self, name: str, ttl: int, value: str = "1") -> bool:
        """Take ``name`` once: True the first time within ``ttl`` seconds, False after."""
        return bool(await self.redis.set(name, value, nx=True, ex=ttl))

    async def get(self, name: str) -> str | None:
        """The value, or None."""
        return await self.redis.get(name)

    async def set(self, name: str, value: str, ttl: int | None = None) -> None:
        """Store a value, optionally expiring after ``ttl`` seconds."""
        await self.redis.set(name, value, ex=ttl)

    async def take(self, name: str) -> str | None:
        """Read and delete in one atomic step (single-use values)."""
        return await self.redis.getdel(name)

    async def delete(self, *names: str) -> int:
        """Delete keys; returns how many existed.

        One DEL per key (pipelined), so keys on different Cluster slots can go together.
        """
        if not names:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.delete(name)
            return sum(int(n) for n in await pipe.execute())

    async def ttl(self, name: str) -> int:
        """Seconds left on ``name`` (negative when it has none or does not exist)."""
        return int(await self.redis.ttl(name))

    async def hit(self, name: str, window: int) -> int:
        """Count one event in a fixed window of ``window`` seconds; returns the count so far."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def add_to_set(self, name: str, member: str, ttl: int) -> None:
        """Add a member to a set that expires with its newest member."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(name, member)
            pipe.expire(name, ttl)
            await pipe.execute()

    async def members(self, name: str) -> set[str]:
        """All members of a set."""
        return set(await self.redis.smembers(name))

    @asynccontextmanager
    async def lock(self, name: str, ttl: int = 10) -> AsyncIterator[None]:
        """A short exclusive lock; raises :class:`LockBusy` when someone else holds it.

        The release only deletes our own token (checked under WATCH), so a lock that expired
        and was taken by another holder is never released by us.
        """
        token = secrets.token_hex(8)
        if not await self.redis.set(name, token, nx=True, ex=ttl):
            raise LockBusy(name)
        try:
            yield
        finally:
            await self._release(name, token)

    async def _release(self, name: str, token: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(name)
                if await pipe.get(name) == token:
                    pipe.multi()
                    pipe.delete(name)
                    await pipe.execute()
            except WatchError:
                pass  # changed under us: it is no longer ours to release
