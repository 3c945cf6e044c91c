"""``GET /healthz``: is the database and the cache answering?"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.db import lifecycle
from api.web.caller import ctx_of

log = logging.getLogger("ehc.health")
_TIMEOUT = 2.0


async def _check(name: str, probe: object) -> str:
    try:
        await asyncio.wait_for(probe, _TIMEOUT)  # type: ignore[arg-type]
    except Exception as exc:  # any failure means "not ok"; the reason goes to the log
        log.warning("health check failed", extra={"fields": {"part": name, "error": repr(exc)}})
        return "error"
    return "ok"


async def healthz(request: Request) -> Response:
    """``{"status": "ok", "db": "ok", "redis": "ok"}``, or 503 naming the failing part."""
    ctx = ctx_of(request)
    # The store's probe reads its epoch, starting a new one if Redis lost its data: a load
    # balancer's probes notice a loss within seconds, before codes issued since are doubted.
    db, redis = await asyncio.gather(
        _check("db", lifecycle.ping()), _check("redis", ctx.kv.epoch())
    )
    healthy = db == "ok" and redis == "ok"
    body = {"status": "ok" if healthy else "degraded", "db": db, "redis": redis}
    return JSONResponse(body, status_code=200 if healthy else 503)
