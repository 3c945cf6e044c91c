"""Which failures api/kv.py answers as the store being unavailable (503 STORE_UNAVAILABLE):
the store's and its client's, never a mistake of our own code."""

from __future__ import annotations

import pytest
from redis.asyncio.connection import Connection
from redis.exceptions import ClusterDownError, MovedError, ResponseError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError

from api.kv import StoreUnavailable, store_failure


@pytest.mark.parametrize(
    "failure",
    [
        RedisConnectionError("Connection refused"),
        ClusterDownError("CLUSTERDOWN The cluster is down"),
        MovedError("3999 127.0.0.1:7102"),
        TryAgainError("TRYAGAIN"),
    ],
)
def test_the_store_and_the_clusters_passing_states_are_unavailable(failure: Exception) -> None:
    mapped = store_failure(failure)
    assert isinstance(mapped, StoreUnavailable) and mapped.__cause__ is failure


async def test_an_error_inside_the_redis_client_is_unavailable() -> None:
    # What redis-py's cluster client meets when a failover closed the connection under a
    # command about to be written: its writer is gone.
    closed = Connection()
    try:
        await closed._send_packed_command([b"PING"])
    except Exception as exc:  # AttributeError: its writer is None
        assert isinstance(store_failure(exc), StoreUnavailable), repr(exc)
    else:
        pytest.fail("a closed connection sent a command")


class _ClosedTransport:
    def writelines(self, data: object) -> None:
        raise RuntimeError("unable to perform operation on <TCPTransport closed=True>")


async def test_a_closed_transport_under_the_redis_client_is_unavailable() -> None:
    # The same race under uvloop: the transport below the client's writer is closed.
    closed = Connection()
    closed._writer = _ClosedTransport()  # type: ignore[assignment]
    with pytest.raises(RuntimeError) as raised:
        await closed._send_packed_command([b"PING"])
    assert isinstance(store_failure(raised.value), StoreUnavailable)


def test_our_own_mistakes_are_not_the_stores() -> None:
    try:
        None.missing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert store_failure(exc) is None
    try:
        raise RuntimeError("a bug of ours")
    except RuntimeError as exc:
        assert store_failure(exc) is None
    assert store_failure(ResponseError("ERR wrong number of arguments")) is None
