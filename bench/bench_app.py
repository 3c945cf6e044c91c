"""The API plus three baseline endpoints the benches compare against:
a bare JSON answer, one Redis SET NX, and one SQL round trip."""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.app import create_app
from api.context import ctx_of
from api.db import lifecycle
from api.kv import key
from api.settings import Settings


async def bare(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def redis_set_nx(request: Request) -> Response:
    claimed = await ctx_of(request).kv.claim(key("bench", secrets.token_hex(8)), 60)
    return JSONResponse({"ok": claimed})


async def sql_round_trip(request: Request) -> Response:
    await lifecycle.ping()
    return JSONResponse({"ok": True})


BASELINE_ROUTES = [
    Route("/bench/bare", bare),
    Route("/bench/redis", redis_set_nx),
    Route("/bench/sql", sql_round_trip),
]


def app() -> Starlette:
    """The API with the baseline routes, configured from the environment."""
    return create_app(Settings.from_env(), extra_routes=BASELINE_ROUTES)
