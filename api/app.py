"""The composition root: ``create_app(settings)`` builds every adapter and route."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from api.adapters import build_adapters
from api.admin.routes import routes as admin_routes
from api.appointments import sweeper
from api.appointments.routes import routes as appointment_routes
from api.auth.routes import routes as auth_routes
from api.cards.routes import routes as card_routes
from api.channels.routes import routes as channel_routes
from api.context import AppContext
from api.db import lifecycle
from api.health import healthz
from api.keys import load_or_create
from api.kv import KV
from api.messages.routes import routes as message_routes
from api.messages.worker import Worker
from api.payments import service as payments
from api.payments.reconciliation_routes import routes as reconciliation_routes
from api.payments.routes import routes as payment_routes
from api.settings import Settings
from api.terminals.routes import routes as terminal_routes
from api.web.error_handlers import EXCEPTION_HANDLERS
from api.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.web.openapi import build_openapi, docs_page, openapi_json

VERSION = "0.1.0"


def api_routes() -> list[BaseRoute]:
    """Every route of the public API, area by area."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
        Route("/docs", docs_page, methods=["GET"], include_in_schema=False),
        *auth_routes,
        *admin_routes,
        *channel_routes,
        *card_routes,
        *terminal_routes,
        *appointment_routes,
        *message_routes,
        *payment_routes,
        *reconciliation_routes,
    ]


def create_app(settings: Settings, *, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app for ``settings``. ``extra_routes`` (e.g. the demo's ``/mock``) go last."""
    routes = [*api_routes(), *extra_routes]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, AppContext]]:
        keys = load_or_create(settings.resolved_keys_file)
        await lifecycle.open_orm(settings.resolved_database_url, settings.db_pool_size)
        kv = KV.connect(settings.redis_url)
        with contextlib.suppress(RedisError):  # else the first claim starts it
            await kv.epoch()  # a fresh store's epoch begins before any code is issued
        http = httpx.AsyncClient(timeout=settings.upstream_timeout)
        ctx = AppContext(settings=settings, kv=kv, keys=keys, http=http)
        build_adapters(ctx)
        ctx.writer.start()
        app.state.ctx = ctx
        sweeping = asyncio.create_task(sweeper.run(ctx, (payments.sweep,)), name="sweeper")
        worker = Worker(ctx) if settings.run_worker else None
        delivering = asyncio.create_task(worker.run(), name="worker") if worker else None
        try:
            yield {"ctx": ctx}
        finally:
            if worker and delivering:
                worker.stop()
                await delivering
            sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeping
            await ctx.writer.close()
            ctx.cpu.close()
            await http.aclose()
            await kv.close()
            await lifecycle.close_orm()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[
            Middleware(RequestContextMiddleware),
            Middleware(BodyLimitMiddleware, limit=settings.max_body_bytes),
        ],
    )
    app.state.openapi = build_openapi(routes, "Electronic health card platform", VERSION)
    app.state.settings = settings
    return app
