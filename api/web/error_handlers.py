"""The one place where errors become HTTP responses."""

from __future__ import annotations

import logging

import asyncpg
from redis.exceptions import (
    AskError,
    ClusterError,
    ReadOnlyError,
    RedisClusterException,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import DBConnectionError, IntegrityError

from api import metrics
from api.errors import DomainError
from api.web.middleware import answer_headers

log = logging.getLogger("ehc.errors")

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    """A refusal raised by a service."""
    assert isinstance(exc, DomainError)
    if exc.status >= 500:
        log.warning("refused", extra={"fields": {"code": exc.code, "path": request.url.path}})
    return JSONResponse(exc.to_body(), status_code=exc.status, headers=exc.headers or None)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in our envelope."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return _json(exc.status_code, code, str(exc.detail), exc.headers)


async def integrity_error(request: Request, exc: Exception) -> Response:
    """A uniqueness race a service did not foresee: a conflict, not a crash."""
    log.warning("integrity conflict", extra={"fields": {"path": request.url.path}})
    return _json(409, "CONFLICT", "the request conflicts with the current state; retry")


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up while sending its body: nobody is left to answer."""
    return Response(status_code=499)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    """Redis refused, timed out or had no free connection (api/kv.py bounds each wait)."""
    log.warning("store unavailable", extra={"fields": {"error": repr(exc)}})
    metrics.STORE_ERRORS.labels(type(exc).__name__).inc()
    return _json(503, "STORE_UNAVAILABLE", "the cache is unavailable; retry shortly", _retry())


async def db_unavailable(request: Request, exc: Exception) -> Response:
    """The database could not be reached or dropped the connection."""
    log.warning("database unavailable", extra={"fields": {"error": repr(exc)}})
    metrics.DB_ERRORS.labels(type(exc).__name__).inc()
    return _json(503, "DB_UNAVAILABLE", "the database is unavailable; retry shortly", _retry())


def _retry() -> dict[str, str]:
    return {"Retry-After": "1"}


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """Anything else: logged with the request id, answered without internals.

    Starlette answers this one outside every middleware, so the request id and the security
    headers are added here."""
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"fields": {"request_id": request.scope.get("ehc.request_id")}},
    )
    body = {"error": {"code": "INTERNAL_ERROR", "message": _QUOTE_ID}}
    response = JSONResponse(body, status_code=500)
    for name, value in answer_headers(request.scope):
        response.headers[name.decode()] = value.decode()
    return response


_QUOTE_ID = "internal error; quote the X-Request-ID when reporting"


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    HTTPException: http_error,
    IntegrityError: integrity_error,
    ClientDisconnect: client_gone,
    RedisConnectionError: store_unavailable,  # also "No connection available." from the pool
    RedisTimeoutError: store_unavailable,
    # A Redis Cluster in failover or resharding, past the client's retries: the slot's master
    # is down (CLUSTERDOWN, MASTERDOWN), not known yet, demoted (READONLY), or still moving.
    ClusterError: store_unavailable,
    # No node of the cluster answers (its client's own exception class; the unit test of
    # api/kv.py's slots keeps cross-slot mistakes, the other member of this class, out).
    RedisClusterException: store_unavailable,
    ReadOnlyError: store_unavailable,
    TryAgainError: store_unavailable,
    AskError: store_unavailable,  # and MovedError
    DBConnectionError: db_unavailable,
    asyncpg.PostgresConnectionError: db_unavailable,
    asyncpg.exceptions.OperatorInterventionError: db_unavailable,  # shutting down, starting up
    asyncpg.InterfaceError: db_unavailable,  # e.g. "connection is closed"
    # The socket itself (refused, reset) and asyncpg's connect timeout: only the database
    # raises these bare (Redis and httpx wrap theirs).
    ConnectionError: db_unavailable,
    TimeoutError: db_unavailable,
    Exception: unexpected_error,
}
