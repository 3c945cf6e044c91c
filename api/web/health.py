"""``GET /healthz`` (is the database and the cache answering?) and ``GET /readyz`` (may this
node take traffic: database and cache answering, and the schema as this code expects it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api import metrics
from api.db import lifecycle
from api.web.caller import ctx_of

log = logging.getLogger("ehc.health")
_TIMEOUT = 2.0


async def _check(name: str, probe: Awaitable[object]) -> str:
    try:
        await asyncio.wait_for(probe, _TIMEOUT)
    except Exception as exc:  # any failure means "not ok"; the reason goes to the log
        log.warning("health check failed", extra={"fields": {"part": name, "error": repr(exc)}})
        failed = metrics.DB_ERRORS if name == "db" else metrics.STORE_ERRORS
        failed.labels(type(exc).__name__).inc()
        return "error"
    return "ok"


async def _parts(request: Request) -> tuple[str, str]:
    ctx = ctx_of(request)
    # The store's probe reads its epoch, starting a new one if Redis lost its data: a load
    # balancer's probes notice a loss within seconds, before codes issued since are doubted.
    db, redis = await asyncio.gather(
        _check("db", lifecycle.ping()), _check("redis", ctx.kv.epoch())
    )
    return db, redis


async def healthz(request: Request) -> Response:
    """``{"status": "ok", "db": "ok", "redis": "ok"}``, or 503 naming the failing part."""
    db, redis = await _parts(request)
    healthy = db == "ok" and redis == "ok"
    body = {"status": "ok" if healthy else "degraded", "db": db, "redis": redis}
    return JSONResponse(body, status_code=200 if healthy else 503)


async def readyz(request: Request) -> Response:
    """``{"status": "ready", "db": "ok", "redis": "ok", "migrations": "ok"}``, or 503 naming
    the part that is not (``migrations``: ``pending`` when the database lags this code)."""
    db, redis = await _parts(request)
    migrations = "error"
    if db == "ok":
        try:
            pending = await asyncio.wait_for(lifecycle.pending_migrations(), _TIMEOUT)
            migrations = "pending" if pending else "ok"
        except Exception as exc:
            log.warning("migration check failed", extra={"fields": {"error": repr(exc)}})
            metrics.DB_ERRORS.labels(type(exc).__name__).inc()
    ready = db == redis == migrations == "ok"
    body = {"status": "ready" if ready else "not_ready", "db": db, "redis": redis,
            "migrations": migrations}  # fmt: skip
    return JSONResponse(body, status_code=200 if ready else 503)
