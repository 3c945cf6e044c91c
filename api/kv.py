"""The one door to Redis (or the embedded Redis-compatible store): single-use keys, counters,
short locks and small values.

Keys are built with :func:`key`, which wraps the part that groups related keys in a hash tag
(``ehc:nonce:{client:abc}:…``) so multi-key work stays on one slot of a Redis Cluster.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

MAX_CONNECTIONS = 128  # per worker process
POOL_WAIT = 10  # seconds a request waits for a free connection

# Take KEYS[1] (SET NX, ARGV[1] seconds, value ARGV[2]) only while KEYS[2] exists, and answer
# KEYS[2]'s value in the same atomic step: "1<value>" taken, "0<value>" already taken, nil when
# KEYS[2] is missing (nothing taken). One bulk reply: cheap to parse on the hot path. Holding
# our own value counts as taken, so that a resend after a lost reply answers the same.
CLAIM_BESIDE = """
local beside = redis.call('GET', KEYS[2])
if not beside then return false end
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1])
  or redis.call('GET', KEYS[1]) == ARGV[2] then return '1' .. beside end
return '0' .. beside
"""
# Set KEYS[1] (ARGV[1], ARGV[2] seconds) only while KEYS[2] still reads ARGV[3] ('' = missing).
SET_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


def key(area: str, tag: str, *rest: str) -> str:
    """``key("nonce", "client:abc", "n1")`` → ``ehc:nonce:{client:abc}:n1``."""
    tail = ":".join(rest)
    return f"ehc:{area}:{{{tag}}}" + (f":{tail}" if tail else "")


class LockBusy(Exception):
    """Raised when a short lock is held by someone else."""


@dataclass(frozen=True)
class Claim:
    """What :meth:`Trip.claim_beside` found: whether the key was taken now, and the value read
    beside it."""

    taken: bool
    beside: str


def _claim_of(raw: str | None) -> Claim | None:
    return None if raw is None else Claim(raw[0] == "1", raw[1:])


class Trip:
    """Commands sent to the store in one round trip (a pipeline). Each command is atomic on its
    own; together they are not, so they may touch keys on different Cluster slots."""

    def __init__(self, kv: KV) -> None:
        self._kv = kv
        self._ops: list[tuple[str, tuple[Any, ...]]] = []

    def get(self, name: str) -> int:
        """Queue a read; returns the place of its value in :meth:`send`'s answer."""
        self._ops.append(("get", (name,)))
        return len(self._ops) - 1

    def claim_beside(self, name: str, ttl: int, value: str, beside: str) -> int:
        """Queue one atomic step: read ``beside`` and, only when it exists, take ``name`` once
        (as :meth:`KV.claim`). Its answer is a :class:`Claim`, or None when ``beside`` is
        missing (nothing taken). Both keys must share a hash tag."""
        self._ops.append(("claim_beside", (name, ttl, value, beside)))
        return len(self._ops) - 1

    async def send(self) -> list[Any]:
        """Run the queued commands; their answers in order."""
        if self._kv.twin is not None:
            return [self._run_embedded(op, args) for op, args in self._ops]
        commands = [_wire(op, args) for op, args in self._ops]
        raw = await self._exchange(commands)
        kinds = [op for op, _ in self._ops]
        return [_claim_of(r) if k == "claim_beside" else r for k, r in zip(kinds, raw, strict=True)]

    async def _exchange(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        # Straight onto a pooled connection: one write, then the replies in order. This is what
        # redis-py's Pipeline does, less its per-call bookkeeping (about a third of the client
        # cost of a whole command, measured on the QR hot paths).
        pool = self._kv.redis.connection_pool
        conn = await pool.get_connection()  # an empty pool's wait is not retried
        try:
            try:
                return await self._on(conn, commands)
            except (RedisConnectionError, RedisTimeoutError):
                # A pooled connection that died since its last use: every command here may be
                # sent again (reads, and a claim that recognises its own value).
                await conn.disconnect()
                return await self._on(conn, commands)
        except BaseException:
            await conn.disconnect()  # replies may be left unread: never reuse it
            raise
        finally:
            await pool.release(conn)

    @staticmethod
    async def _on(conn: Any, commands: list[tuple[Any, ...]]) -> list[Any]:
        await conn.send_packed_command(conn.pack_commands(commands))
        return [await conn.read_response() for _ in commands]

    def _run_embedded(self, op: str, args: tuple[Any, ...]) -> Any:
        # The in-process store runs on this thread: with no await between its commands, this
        # is as atomic as the Lua script it stands in for.
        twin = self._kv.twin
        assert twin is not None
        if op == "get":
            return twin.get(*args)
        name, ttl, value, beside = args
        found = twin.get(beside)
        if found is None:
            return None
        taken = twin.set(name, value, nx=True, ex=ttl) or twin.get(name) == value
        return Claim(bool(taken), found)


def _wire(op: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if op == "get":
        return ("GET", *args)
    name, ttl, value, beside = args
    return ("EVAL", CLAIM_BESIDE, 2, name, beside, ttl, value)


class KV:
    """Small, typed operations over a ``redis.asyncio.Redis`` (real or fakeredis).

    ``twin`` is a synchronous client of the same in-process store (embedded only): it runs the
    steps that Redis runs as Lua scripts, since the embedded store has no Lua.
    """

    def __init__(self, redis: Redis, *, twin: Any = None) -> None:
        self.redis = redis
        self.twin = twin

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
        from fakeredis import FakeAsyncRedis, FakeRedis, FakeServer  # embedded default only

        server = FakeServer()
        return cls(
            FakeAsyncRedis(server=server, decode_responses=True),
            twin=FakeRedis(server=server, decode_responses=True),
        )

    async def close(self) -> None:
        """Release the connection pool."""
        await self.redis.aclose()

    async def ping(self) -> bool:
        """True when the store answers."""
        return bool(await self.redis.ping())

    async def claim(self, name: str, ttl: int, value: str = "1") -> bool:
        """Take ``name`` once: True the first time within ``ttl`` seconds, False after."""
        return bool(await self.redis.set(name, value, nx=True, ex=ttl))

    async def unclaim(self, name: str, value: str) -> None:
        """Undo a claim made with ``value``, unless someone else's claim holds it by now."""
        await self._release(name, value)

    def trip(self) -> Trip:
        """Commands to send together in one round trip (see :class:`Trip`)."""
        return Trip(self)

    async def get(self, name: str) -> str | None:
        """The value, or None."""
        return await self.redis.get(name)

    async def set_if_unchanged(
        self, name: str, value: str, ttl: int, *, guard: str, seen: str | None
    ) -> bool:
        """Store a value only while ``guard`` still reads ``seen`` (None: missing), in one atomic
        step; True when stored. Both keys must share a hash tag."""
        if self.twin is not None:  # no await below: atomic on the in-process store
            if self.twin.get(guard) != seen:
                return False
            self.twin.set(name, value, ex=ttl)
            return True
        return bool(await self.redis.eval(SET_IF_UNCHANGED, 2, name, guard, value, ttl, seen or ""))

    async def forget(self, name: str, generation: str, ttl: int) -> None:
        """Delete a cached value and advance its generation counter in one atomic step, so that
        a fill which read the old generation (:meth:`set_if_unchanged`) is refused. Both keys
        must share a hash tag."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(name)
            pipe.incr(generation)
            pipe.expire(generation, ttl)
            await pipe.execute()

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
