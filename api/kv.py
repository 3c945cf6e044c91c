"""The one door to Redis (or the embedded Redis-compatible store): single-use keys, counters,
short locks and small values.

Keys are built with :func:`key`, which wraps the part that groups related keys in a hash tag
(``ehc:nonce:{client:abc}:…``) so multi-key work stays on one slot of a Redis Cluster.

Faults. Every command has a short socket and connect timeout (``SOCKET_TIMEOUT``,
``CONNECT_TIMEOUT``) and a request waits at most ``POOL_WAIT`` for a pooled connection, so a
store that is down or frozen fails a request within about two seconds, never hangs it; the web
layer answers those failures 503 ``STORE_UNAVAILABLE``. A pooled connection found dead (Redis
restarted since its last use) is replaced and the command sent once more; a timeout is not
retried (the store is slow or frozen: another wait would only double the delay).

The store epoch: single-use that survives Redis losing its data. ``ehc:epoch`` holds the Unix
second at which the store's current contents began. It is set when missing (at start-up, and by
any :meth:`Trip.epoch` that finds it gone), never expires and is never overwritten. A missing
epoch means the store lost its data (a restart without persistence, a failover to an empty
replica, an eviction): the records of what was spent are gone with it. So the rule is:

    a dynamic QR code is accepted only when it was issued after the epoch began; an older one
    is refused (``QR_EXPIRED``: refresh it), spent or not.

The epoch is read with :meth:`Trip.epoch` in the same round trip as the claim it guards, on
the same connection: a restart between the two breaks that connection, and the resent trip
reads the new epoch. A code's issue time is its expiry less the lifetime in force
(``api.cards.single_use.spend``); a lifetime the card centre shortened within the two minutes
before a loss makes that estimate late for codes issued under the longer one. After a loss, codes on
phones must be refreshed (they refresh themselves within a lifetime). The epoch key has no hash
tag: on a Redis Cluster it detects the loss of the shard that holds it (a per-slot epoch would
be needed to detect every shard's). Signed token requests, whose time is the client's, are
kept single-use in the database instead (``auth.service``).

Redis Cluster (``redis+cluster://host:port[,host:port…]``): the same operations through
redis-py's cluster client, which follows MOVED/ASK redirections and re-reads the slot map
after a failover. Every multi-key script and transaction keeps its keys on one slot (the hash
tags of :func:`key`; ``tests/unit/test_kv_slots.py`` checks each). A :class:`Trip` becomes a
cluster pipeline: its commands go to their shards' masters in parallel, so the epoch and a
claim are no longer read on one connection. What the epoch means on a cluster:

- it lives on one shard (the one serving ``ehc:epoch``'s slot). It detects that shard losing
  its data (and a replica promoted empty), not another shard's loss;
- a master killed before its replica copied its last writes (replication is asynchronous:
  typically well under a second behind) can lose the claims of those last moments. A code
  spent in that window could then be accepted once more on the promoted replica. A manual
  ``CLUSTER FAILOVER`` waits for the replica to catch up and loses nothing. Where that window
  matters, run the masters with ``min-replicas-to-write 1`` so that a master cut off from its
  replica refuses writes (answered 503 ``STORE_UNAVAILABLE``) instead of losing them later.

Failures, mapped here once. Every operation of :class:`KV` and :meth:`Trip.send` turns a store
failure into :class:`StoreUnavailable` (answered 503 ``STORE_UNAVAILABLE``): a connection refused,
reset or timed out, and a cluster's passing states past the client's own retries (CLUSTERDOWN,
MASTERDOWN, TRYAGAIN, a MOVED or ASK it could not follow, READONLY from a demoted master, no
node answering). redis-py's async cluster client also has races during a failover: a
connection another task closed while the slot map was re-read fails inside the client with an
``AttributeError`` (its writer is gone) or the like. Those are failures of the store's client,
not of our code, and are mapped too. An operation that may be sent twice (reads, the epoch, a
claim or lock that recognises its own value) is sent once more after a short pause first when
the failure may pass: such a race, or on a cluster a lost connection (a master just died).
Sending twice never makes a spent code new: :meth:`KV.claim` and :meth:`KV.lock` write a value
of their own and count finding it as taken, so a resend after a lost reply answers the same.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from hiredis import pack_command  # the C encoder: a tenth of the client's, per command
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import (
    AskError,
    ClusterError,
    MaxConnectionsError,
    NoScriptError,
    ReadOnlyError,
    RedisClusterException,
    ResponseError,
    TryAgainError,
    WatchError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

MAX_CONNECTIONS = 256  # per worker process (a booking rush holds hundreds at once)
IDLE_TRIP_CONNECTIONS = 32  # of them kept aside between trips (Trip._exchange)
POOL_WAIT = 1.5  # seconds a request waits for a free connection (a rush is not an outage)
SOCKET_TIMEOUT = 1.5  # seconds for a reply (our commands are small; a busy loop adds latency)
CONNECT_TIMEOUT = 1.0
EPOCH_KEY = "ehc:epoch"
CLUSTER_SCHEME = "redis+cluster://"
# On a cluster, the client sends a command that met a dead master or a slot in flux again,
# re-reading the slot map, up to this many times (without pausing: redis-py's async cluster
# client does not); an idempotent operation then gets one more try after RESEND_PAUSE
# (_may_pass); past that the request answers 503 STORE_UNAVAILABLE.
CLUSTER_RETRIES = 3
RESEND_PAUSE = 0.2  # seconds before an idempotent command meets a client race a second time

# The store failed (module docstring, "Failures"): redis-py's connection and timeout errors, a
# cluster in failover or resharding (CLUSTERDOWN, MASTERDOWN, TRYAGAIN, MOVED/ASK, READONLY),
# and the cluster client's own "no node answers" (RedisClusterException).
STORE_FAILURES = (
    RedisConnectionError, RedisTimeoutError, ClusterError, TryAgainError, AskError,
    ReadOnlyError, RedisClusterException,
)  # fmt: skip
# What redis-py's async cluster client raises from inside itself when a failover's topology
# refresh closes a connection under a command ("'NoneType' object has no attribute
# 'writelines'"; under uvloop "unable to perform operation on <TCPTransport closed=True>",
# a RuntimeError); counted as store failures only when raised inside the redis package.
CLIENT_RACES = (AttributeError, TypeError, KeyError, IndexError, RuntimeError)

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
CLAIM_BESIDE_SHA = hashlib.sha1(CLAIM_BESIDE.encode(), usedforsecurity=False).hexdigest()
# Delete KEYS[1] only while it holds ARGV[1] (our own lock or claim).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
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


class StoreUnavailable(RedisConnectionError):
    """The store did not answer (down, frozen, failing over, or its client lost a race): the
    web layer answers 503 ``STORE_UNAVAILABLE``. The original failure is its ``__cause__``."""


def _raised_in_client(exc: BaseException) -> bool:
    # Raised somewhere below a call into the redis package (its own code, or the event loop's
    # transport under it), not in ours.
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith("redis."):
            return True
        tb = tb.tb_next
    return False


def store_failure(exc: BaseException) -> StoreUnavailable | None:
    """The :class:`StoreUnavailable` that ``exc`` means, or None when it is not a failure of
    the store (a mistake in our command, a cancellation)."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if isinstance(exc, STORE_FAILURES) or (
        isinstance(exc, CLIENT_RACES) and _raised_in_client(exc)
    ):
        failure = StoreUnavailable(f"{type(exc).__name__}: {exc}")
        failure.__cause__ = exc
        return failure
    return None


def _may_pass(exc: BaseException, owner: object) -> bool:
    # A race inside the client passes at once. On a cluster, a connection failure too: the
    # client's own retries follow each other without a pause, all within a failover's second
    # or two, and the next attempt re-reads the slot map. Not timeouts (a frozen store would
    # only double the wait) nor an exhausted pool (waiting longer is not why it is there).
    if isinstance(exc, CLIENT_RACES):
        return True
    return (
        getattr(owner, "cluster", False)
        and isinstance(exc, RedisConnectionError)
        and not isinstance(exc, MaxConnectionsError)
    )


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _mapped(
    *, resend: bool
) -> Callable[[Callable[_P, Awaitable[_T]]], Callable[_P, Awaitable[_T]]]:
    """Raise store failures as :class:`StoreUnavailable`; with ``resend`` (the operation may
    be sent twice), try once more after :data:`RESEND_PAUSE` first when the failure may pass
    (:func:`_may_pass`)."""

    def wrap(operation: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[_T]]:
        @functools.wraps(operation)
        async def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            for last in (not resend, True):
                try:
                    return await operation(*args, **kwargs)
                except Exception as exc:
                    failure = store_failure(exc)
                    if failure is None or failure is exc:
                        raise
                    if last or not _may_pass(exc, args[0]):
                        raise failure from exc
                await asyncio.sleep(RESEND_PAUSE)
            raise AssertionError("the last attempt returns or raises")

        return call

    return wrap


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

    @property
    def cluster(self) -> bool:
        """True when the store is a Redis Cluster."""
        return self._kv.cluster

    def get(self, name: str) -> int:
        """Queue a read; returns the place of its value in :meth:`send`'s answer."""
        self._ops.append(("get", (name,)))
        return len(self._ops) - 1

    def epoch(self, now: int) -> int:
        """Queue a read of the store epoch (module docstring), starting a new one at ``now``
        when it is missing; its answer is the epoch's first second."""
        self._ops.append(("epoch", (EPOCH_KEY, str(now))))
        return len(self._ops) - 1

    def claim_beside(self, name: str, ttl: int, value: str, beside: str) -> int:
        """Queue one atomic step: read ``beside`` and, only when it exists, take ``name`` once
        (as :meth:`KV.claim`). Its answer is a :class:`Claim`, or None when ``beside`` is
        missing (nothing taken). Both keys must share a hash tag."""
        self._ops.append(("claim_beside", (name, ttl, value, beside)))
        return len(self._ops) - 1

    @_mapped(resend=True)
    async def send(self) -> list[Any]:
        """Run the queued commands; their answers in order."""
        if self._kv.twin is not None:
            return [self._run_embedded(op, args) for op, args in self._ops]
        commands = [_wire(op, args) for op, args in self._ops]
        if self._kv.cluster:
            raw = await self._exchange_on_cluster(commands)
        else:
            try:
                raw = await self._exchange([_by_digest(command) for command in commands])
            except NoScriptError:  # the store forgot the script (a restart): send it whole
                raw = await self._exchange(commands)
        return [_answer(op, args, r) for (op, args), r in zip(self._ops, raw, strict=True)]

    async def _exchange(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        # Straight onto a pooled connection: one write, then the replies in order. This is what
        # redis-py's Pipeline does, less its per-call bookkeeping (about a third of the client
        # cost of a whole command, measured on the QR hot paths).
        kv = self._kv
        pool = kv.redis.connection_pool
        # A connection a trip left in a clean state (every reply read) is kept for the next
        # trip: the pool's own check-out (a condition, a timeout, a peek at the socket) cost
        # about a tenth of a verification under load (bench/README.md, the profile).
        conn = kv.idle.pop() if kv.idle else await pool.get_connection()
        try:
            try:
                answers = await self._on(conn, commands)
            except RedisConnectionError:
                # A pooled connection that died since its last use: every command here may be
                # sent again (reads, the epoch, and a claim that recognises its own value). A
                # timeout is not retried: the store is slow or frozen.
                await conn.disconnect()
                answers = await self._on(conn, commands)
        except BaseException:
            await conn.disconnect()  # replies may be left unread: never reuse it
            await pool.release(conn)
            raise
        if len(kv.idle) < IDLE_TRIP_CONNECTIONS:
            kv.idle.append(conn)
        else:
            await pool.release(conn)
        return answers

    async def _exchange_on_cluster(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        # A cluster pipeline groups the commands by shard and follows redirections. Every
        # command here may be sent again (see _exchange), as the client does after a failover.
        async with self._kv.redis.pipeline(transaction=False) as pipe:
            for command in commands:
                # The client parses replies: SET answers True/False unless told it was sent
                # with GET (the epoch's SET NX GET must answer the epoch itself).
                pipe.execute_command(*command, **({"get": True} if command[0] == "SET" else {}))
            return list(await pipe.execute())

    @staticmethod
    async def _on(conn: Any, commands: list[tuple[Any, ...]]) -> list[Any]:
        # One write and every reply under one deadline, on the connection's own stream and
        # parser. The client's send_packed_command and read_response would start a task for
        # the write (asyncio.wait_for) and a timeout per reply: about a fifth of the client's
        # cost of a verification (bench/README.md, the profile). The failures are the client's.
        loop = asyncio.get_running_loop()
        if not conn.is_connected:
            await conn.connect()
        elif conn.health_check_interval and loop.time() > conn.next_health_check:
            await conn.check_health()
        packed = [pack_command(command) for command in commands]
        try:
            async with asyncio.timeout(conn.socket_timeout):
                try:
                    conn._writer.writelines(packed)
                except (RuntimeError, AttributeError) as exc:  # its transport closed under it
                    raise ConnectionResetError(str(exc)) from exc
                await conn._writer.drain()
                replies = [await conn._parser.read_response() for _ in commands]
        except TimeoutError:
            await conn.disconnect(nowait=True)
            raise RedisTimeoutError("the store did not answer in time") from None
        except OSError as exc:
            await conn.disconnect(nowait=True)
            raise RedisConnectionError(f"the store connection failed: {exc}") from exc
        if conn.health_check_interval:
            conn.next_health_check = loop.time() + conn.health_check_interval
        for reply in replies:
            if isinstance(reply, ResponseError):  # NOSCRIPT and the like, as the client raises
                raise reply
        return replies

    def _run_embedded(self, op: str, args: tuple[Any, ...]) -> Any:
        # The in-process store runs on this thread: with no await between its commands, this
        # is as atomic as the Lua script it stands in for.
        twin = self._kv.twin
        assert twin is not None
        if op == "get":
            return twin.get(*args)
        if op == "epoch":
            name, now = args
            return int(twin.set(name, now, nx=True, get=True) or now)
        name, ttl, value, beside = args
        found = twin.get(beside)
        if found is None:
            return None
        taken = twin.set(name, value, nx=True, ex=ttl) or twin.get(name) == value
        return Claim(bool(taken), found)


def _wire(op: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if op == "get":
        return ("GET", *args)
    if op == "epoch":
        return ("SET", args[0], args[1], "NX", "GET")
    name, ttl, value, beside = args
    return ("EVAL", CLAIM_BESIDE, 2, name, beside, ttl, value)


def _by_digest(command: tuple[Any, ...]) -> tuple[Any, ...]:
    # A script Redis has run is named by its digest: neither sent nor hashed again each time.
    if command[0] == "EVAL" and command[1] == CLAIM_BESIDE:
        return ("EVALSHA", CLAIM_BESIDE_SHA, *command[2:])
    return command


def _answer(op: str, args: tuple[Any, ...], raw: Any) -> Any:
    if op == "claim_beside":
        return _claim_of(raw)
    if op == "epoch":
        return int(raw or args[1])  # missing: the new epoch begins now
    return raw


class KV:
    """Small, typed operations over a ``redis.asyncio.Redis`` (real or fakeredis).

    ``twin`` is a synchronous client of the same in-process store (embedded only): it runs the
    steps that Redis runs as Lua scripts, since the embedded store has no Lua.
    """

    def __init__(self, redis: Redis | RedisCluster, *, twin: Any = None) -> None:
        self.redis = redis
        self.twin = twin
        self.cluster = isinstance(redis, RedisCluster)
        # Connections checked out of the pool, every reply read, waiting for the next trip.
        self.idle: list[Any] = []

    @classmethod
    def connect(cls, url: str | None) -> KV:
        """Real Redis for a URL (a Redis Cluster for ``redis+cluster://host:port,…``); the
        in-process store for ``None``."""
        if url and url.startswith(CLUSTER_SCHEME):
            return cls(_cluster_client(url))
        if url:
            # A burst of requests waits (briefly) for a free connection instead of failing
            # with "Too many connections". One retry, on a dead connection only (module
            # docstring); redis-py's default retries timeouts three times with backoff.
            pool = BlockingConnectionPool.from_url(
                url,
                max_connections=MAX_CONNECTIONS,
                timeout=POOL_WAIT,
                decode_responses=True,
                health_check_interval=30,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=CONNECT_TIMEOUT,
                retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            )
            return cls(Redis(connection_pool=pool))
        from fakeredis import FakeAsyncRedis, FakeRedis, FakeServer  # embedded default only

        server = FakeServer()
        twin = FakeRedis(server=server, decode_responses=True)
        # The in-process store loses its data only with its process, and no process restarts
        # within a second: its epoch may begin a second early, so that codes issued in the
        # first second of a fresh process are not refused as older than the store.
        twin.set(EPOCH_KEY, str(int(time.time()) - 1))
        return cls(FakeAsyncRedis(server=server, decode_responses=True), twin=twin)

    async def close(self) -> None:
        """Release the connection pool."""
        for conn in self.idle:
            await self.redis.connection_pool.release(conn)
        self.idle.clear()
        await self.redis.aclose()
        if not self.cluster:  # a pool handed to the client is not closed with it
            await self.redis.connection_pool.disconnect()

    @_mapped(resend=True)
    async def ping(self) -> bool:
        """True when the store answers."""
        return bool(await self.redis.ping())

    async def epoch(self) -> int:
        """The store epoch's first second, starting one now when it is missing."""
        trip = self.trip()
        at = trip.epoch(int(time.time()))
        return int((await trip.send())[at])

    @_mapped(resend=True)
    async def claim(self, name: str, ttl: int, value: str | None = None) -> bool:
        """Take ``name`` once: True the first time within ``ttl`` seconds, False after.

        The key holds ``value`` (by default one of its own); finding that very value counts as
        taken, so a command resent after a lost reply (by the client, or after a failover)
        answers as the first send did instead of refusing the caller's own claim."""
        return await self._set_new(name, value or secrets.token_hex(8), ttl)

    async def _set_new(self, name: str, value: str, ttl: int) -> bool:
        # SET NX GET (Redis 7): one command, atomic, answers what was there before.
        found = await self.redis.set(name, value, nx=True, ex=ttl, get=True)
        return found is None or found == value

    @_mapped(resend=True)
    async def unclaim(self, name: str, value: str) -> None:
        """Undo a claim made with ``value``, unless someone else's claim holds it by now."""
        await self._release(name, value)

    def trip(self) -> Trip:
        """Commands to send together in one round trip (see :class:`Trip`)."""
        return Trip(self)

    @_mapped(resend=True)
    async def get(self, name: str) -> str | None:
        """The value, or None."""
        if self.twin is None and not self.cluster:  # the lean way of a trip (every token read)
            trip = self.trip()
            trip.get(name)
            return (await trip.send())[0]  # type: ignore[no-any-return]
        return await self.redis.get(name)

    @_mapped(resend=True)
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

    @_mapped(resend=True)
    async def forget(self, name: str, generation: str, ttl: int) -> None:
        """Delete a cached value and advance its generation counter in one atomic step, so that
        a fill which read the old generation (:meth:`set_if_unchanged`) is refused. Both keys
        must share a hash tag."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(name)
            pipe.incr(generation)
            pipe.expire(generation, ttl)
            await pipe.execute()

    @_mapped(resend=True)
    async def set(self, name: str, value: str, ttl: int | None = None) -> None:
        """Store a value, optionally expiring after ``ttl`` seconds."""
        await self.redis.set(name, value, ex=ttl)

    @_mapped(resend=False)
    async def take(self, name: str) -> str | None:
        """Read and delete in one atomic step (single-use values)."""
        return await self.redis.getdel(name)

    @_mapped(resend=False)
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

    @_mapped(resend=True)
    async def ttl(self, name: str) -> int:
        """Seconds left on ``name`` (negative when it has none or does not exist)."""
        return int(await self.redis.ttl(name))

    @_mapped(resend=False)
    async def hit(self, name: str, window: int) -> int:
        """Count one event in a fixed window of ``window`` seconds; returns the count so far."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    @_mapped(resend=False)
    async def unhit(self, name: str) -> None:
        """Take back one event counted by :meth:`hit`."""
        await self.redis.decr(name)

    @_mapped(resend=True)
    async def add_to_set(self, name: str, member: str, ttl: int) -> None:
        """Add a member to a set that lives as long as its longest-lived member: a member
        with a shorter ``ttl`` never shortens it (a group's revocation must find them all)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(name, member)
            pipe.expire(name, ttl, nx=True)  # a new set: its first expiry
            pipe.expire(name, ttl, gt=True)  # later: only ever later
            await pipe.execute()

    @_mapped(resend=True)
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
        if not await self._acquire(name, token, ttl):
            raise LockBusy(name)
        try:
            yield
        finally:
            await self._release(name, token)

    @_mapped(resend=True)
    async def _acquire(self, name: str, token: str, ttl: int) -> bool:
        return await self._set_new(name, token, ttl)

    @_mapped(resend=True)
    async def _release(self, name: str, token: str) -> None:
        if self.twin is None:
            await self.redis.eval(RELEASE, 1, name, token)
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(name)
                if await pipe.get(name) == token:
                    pipe.multi()
                    pipe.delete(name)
                    await pipe.execute()
            except WatchError:
                pass  # changed under us: it is no longer ours to release


def cluster_nodes(url: str) -> list[tuple[str, int]]:
    """``redis+cluster://h1:p1,h2:p2`` → the seed nodes ``[(h1, p1), (h2, p2)]``."""
    hosts = url.removeprefix(CLUSTER_SCHEME).split("/", 1)[0].split("?", 1)[0]
    nodes = []
    for item in filter(None, (part.strip() for part in hosts.split(","))):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"EHC_REDIS_URL cluster node {item!r} must look like host:port")
        nodes.append((host, int(port)))
    if not nodes:
        raise ValueError("EHC_REDIS_URL=redis+cluster:// names no node")
    return nodes


def _cluster_client(url: str) -> RedisCluster:
    # The seeds only find the cluster: the client learns every master and replica from them,
    # and again after a failover or a MOVED it cannot patch.
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in cluster_nodes(url)],
        decode_responses=True,
        max_connections=MAX_CONNECTIONS,  # per node, per worker process
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=CONNECT_TIMEOUT,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), CLUSTER_RETRIES),
        reinitialize_steps=1,  # a MOVED re-reads the slot map at once
    )
