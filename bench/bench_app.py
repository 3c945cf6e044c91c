"""The API plus three baseline endpoints the benches compare against:
a bare JSON answer, one Redis SET NX, and one SQL round trip."""

from __future__ import annotations

import os
import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from api.db import lifecycle
from api.kv import key
from api.settings import Settings
from api.web.app import create_app
from api.web.caller import ctx_of
from api.web.endpoint import api_route
from api.web.middleware import configure_logging


async def bare(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def redis_set_nx(request: Request) -> Response:
    claimed = await ctx_of(request).kv.claim(key("bench", secrets.token_hex(8)), 60)
    return JSONResponse({"ok": claimed})


async def sql_round_trip(request: Request) -> Response:
    await lifecycle.ping()
    return JSONResponse({"ok": True})


async def authenticated(request: Request) -> dict:
    """Only authenticates the resident: the floor under every resident endpoint."""
    return {"ok": True}


BASELINE_ROUTES = [
    api_route("GET", "/bench/authenticated", authenticated, auth=("resident",)),
    Route("/bench/bare", bare),
    Route("/bench/redis", redis_set_nx),
    Route("/bench/sql", sql_round_trip),
]


def app() -> Starlette:
    """The API with the baseline routes (and the stand-in platforms under /mock when
    ``EHC_BENCH_WITH_MOCK`` is set), configured from the environment."""
    routes = list(BASELINE_ROUTES)
    if os.environ.get("EHC_BENCH_WITH_MOCK"):
        from miniapp_mock.app import create_mock_app

        routes.append(Mount("/mock", create_mock_app()))
    settings = Settings.from_env()
    configure_logging(settings.log_level)  # as api.web.main does for `ehc serve`
    return create_app(settings, extra_routes=routes)
