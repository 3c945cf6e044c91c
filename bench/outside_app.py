"""The outside baselines: a minimal plain-Starlette app, started by the benches next to ours with
the same server settings, doing only the work named (none of our middleware, routing, error
handling or serialisation):

- ``POST /bare``: reads the JSON body, answers ``{"ok": true}``;
- ``POST /redis``: reads the JSON body and takes its ``qr`` once (one Redis ``SET NX EX``), the
  floor under a single-use verification of the same body;
- ``GET|POST /sql``: one SQL round trip (``SELECT 1`` on an asyncpg pool, PostgreSQL as ours);
- ``GET /authenticated``: our token check only: the bearer token's key (``api.tokens.token_key``,
  the same Redis keys as ours), one ``GET``, the claims decoded and their kind checked.

Configured by ``EHC_REDIS_URL`` and ``EHC_DATABASE_URL`` (the bench's own).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.tokens import token_key

POOL_SIZE = 20  # as our own database pool (api.db.lifecycle.open_orm)


async def bare(request: Request) -> Response:
    await request.json()
    return JSONResponse({"ok": True})


async def redis_set_nx(request: Request) -> Response:
    body = await request.json()
    taken = await request.app.state.redis.set(f"bench:out:{body['qr']}", "1", nx=True, ex=120)
    return JSONResponse({"ok": bool(taken)})


async def sql_round_trip(request: Request) -> Response:
    if request.method == "POST":
        await request.json()
    await request.app.state.pg.fetchval("SELECT 1")
    return JSONResponse({"ok": True})


async def authenticated(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
    raw = await request.app.state.redis.get(token_key(token))
    if raw is None or json.loads(raw).get("kind") != "resident":
        return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
    return JSONResponse({"ok": True})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ["EHC_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    app.state.pg = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE)
    app.state.redis = Redis.from_url(os.environ["EHC_REDIS_URL"], decode_responses=True)
    try:
        yield
    finally:
        await app.state.redis.aclose()
        await app.state.pg.close()


def app() -> Starlette:
    """The outside baseline app (uvicorn ``--factory``)."""
    return Starlette(
        routes=[
            Route("/bare", bare, methods=["POST"]),
            Route("/redis", redis_set_nx, methods=["POST"]),
            Route("/sql", sql_round_trip, methods=["GET", "POST"]),
            Route("/authenticated", authenticated, methods=["GET"]),
            Route("/healthz", lambda request: JSONResponse({"status": "ok"}), methods=["GET"]),
        ],
        lifespan=lifespan,
    )
