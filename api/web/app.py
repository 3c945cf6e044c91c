"""The web door: ``create_app(settings)`` mounts every route over the core that
``api.composition.open_context`` opens in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from api.admin.routes import routes as admin_routes
from api.appointments import sweeper
from api.appointments.routes import routes as appointment_routes
from api.auth.routes import routes as auth_routes
from api.cards.routes import routes as card_routes
from api.channels.routes import routes as channel_routes
from api.composition import open_context
from api.context import AppContext
from api.messages.routes import routes as message_routes
from api.messages.worker import Worker
from api.payments import service as payments
from api.payments.reconciliation_routes import routes as reconciliation_routes
from api.payments.routes import routes as payment_routes
from api.settings import Settings
from api.terminals.routes import routes as terminal_routes
from api.web.error_handlers import EXCEPTION_HANDLERS
from api.web.health import healthz
from api.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.web.miniapp import miniapp_routes
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


def create_app(
    settings: Settings, *, extra_routes: Sequence[BaseRoute] = (), **adapters: Any
) -> Starlette:
    """The ASGI app for ``settings``. ``extra_routes`` (e.g. the demo's ``/mock``) go last;
    ``adapters`` replace outside systems by name (``api.adapters.build_adapters``)."""
    routes = [*api_routes(), *extra_routes]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, AppContext]]:
        async with open_context(settings, **adapters) as ctx:
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


def create_demo_app(settings: Settings) -> Starlette:
    """The API with the stand-in platforms under ``/mock`` and the mini-program simulator under
    ``/miniapp/`` (``ehc demo``)."""
    from miniapp_mock.app import create_mock_app

    return create_app(settings, extra_routes=[Mount("/mock", create_mock_app()), *miniapp_routes()])
