"""The web door: ``create_app(settings)`` mounts every route over the core that
``api.composition.open_context`` opens in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from api.admin import admin_routes as admin_admin
from api.appointments import admin_routes as appointments_admin
from api.appointments import pos_routes as appointments_pos
from api.appointments import routes as appointments_public
from api.appointments import sweeper
from api.auth import routes as auth_public
from api.bills import pos_routes as bills_pos
from api.bills import routes as bills_public
from api.cards import admin_routes as cards_admin
from api.cards import routes as cards_public
from api.cards import step_up_routes as cards_step_up
from api.channels import admin_routes as channels_admin
from api.channels import routes as channels_public
from api.composition import open_context
from api.context import AppContext
from api.counter import pos_routes as counter_pos
from api.counter import temporary_routes as counter_temporary
from api.gateway import routes as gateway_envelope
from api.indicators import rollup
from api.institutions import admin_routes as institutions_admin
from api.messages import admin_routes as messages_admin
from api.messages import pos_routes as messages_pos
from api.messages import routes as messages_public
from api.messages.worker import Worker
from api.patients import admin_routes as patients_admin
from api.payments import admin_routes as payments_admin
from api.payments import routes as payments_public
from api.payments import service as payments
from api.persons import admin_routes as persons_admin
from api.persons import pos_routes as persons_pos
from api.reports import pos_routes as reports_pos
from api.reports import routes as reports_public
from api.settings import Settings
from api.terminals import admin_routes as terminals_admin
from api.terminals import pos_routes as terminals_pos
from api.upward import admin_routes as upward_admin
from api.upward.sync import Sync
from api.web.console import console_routes
from api.web.counter import counter_routes
from api.web.error_handlers import EXCEPTION_HANDLERS
from api.web.health import healthz, readyz
from api.web.metrics import RequestRecorder, metrics_endpoint, route_templates
from api.web.middleware import RequestEdgeMiddleware
from api.web.miniapp import miniapp_routes
from api.web.openapi import build_openapi, docs_page, openapi_json
from api.web.routing import IndexedRouter

VERSION = "0.1.0"


# The three doors (README, "Layout"), each with one kind of credential.
def resident_door() -> list[BaseRoute]:
    """Residents and the public: mini-programs and in-house apps (channel sessions), partners'
    servers getting tokens, the money platforms' notifies, hospitals' public catalogue."""
    return [
        *auth_public.routes,
        *channels_public.routes,
        *cards_public.routes,
        *appointments_public.routes,
        *messages_public.routes,
        *payments_public.routes,
        *bills_public.routes,
        *cards_step_up.routes,
        *reports_public.routes,
    ]


def terminal_door() -> list[BaseRoute]:
    """Counters, kiosks, doctor stations and hospital systems (``/pos``), and peer card centres
    (``/peer``): an access token scoped to that work."""
    return [
        *terminals_pos.routes,
        *appointments_pos.routes,
        *messages_pos.routes,
        *persons_pos.routes,
        *counter_pos.routes,
        *counter_temporary.routes,
        *bills_pos.routes,
        *reports_pos.routes,
    ]


def admin_door() -> list[BaseRoute]:
    """The card centre's staff: an admin session (password + TOTP)."""
    return [
        *admin_admin.routes,
        *institutions_admin.routes,
        *channels_admin.routes,
        *cards_admin.routes,
        *terminals_admin.routes,
        *appointments_admin.routes,
        *messages_admin.routes,
        *payments_admin.routes,
        *upward_admin.routes,
        *persons_admin.routes,
        *patients_admin.routes,
    ]


def envelope_door() -> list[BaseRoute]:
    """Partners written against a provincial card centre: its one envelope endpoint, the
    envelope (app id, SM3 digest) being the credential."""
    return [*gateway_envelope.routes]


def api_routes() -> list[BaseRoute]:
    """Every route of the public API: the service's own, then the doors."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
        Route("/docs", docs_page, methods=["GET"], include_in_schema=False),
        *resident_door(),
        *terminal_door(),
        *admin_door(),
        *envelope_door(),
        *counter_routes(),  # the clerk's page
    ]


def create_app(
    settings: Settings, *, extra_routes: Sequence[BaseRoute] = (), **adapters: Any
) -> Starlette:
    """The ASGI app for ``settings``. ``extra_routes`` (e.g. the demo's ``/mock``) go last;
    ``adapters`` replace outside systems by name (``api.adapters.build_adapters``)."""
    routes = [*api_routes(), *console_routes(), *extra_routes]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, AppContext]]:
        async with open_context(settings, **adapters) as ctx:
            app.state.ctx = ctx
            # What start-up built lives as long as the process: the collector need not walk
            # it again on every full collection under load.
            gc.collect()
            gc.freeze()
            sweeps = (payments.sweep, rollup.forget_old_seen)
            sweeping = asyncio.create_task(sweeper.run(ctx, sweeps), name="sweeper")
            worker = Worker(ctx) if settings.run_worker else None
            delivering = asyncio.create_task(worker.run(), name="worker") if worker else None
            sync = Sync(ctx) if settings.run_worker and ctx.adapters.platform else None
            syncing = asyncio.create_task(sync.run(), name="sync") if sync else None
            try:
                yield {"ctx": ctx}
            finally:
                if sync and syncing:
                    sync.stop()
                    await syncing
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
            Middleware(
                RequestEdgeMiddleware,
                limit=settings.max_body_bytes,
                recorder=RequestRecorder(route_templates(routes)),
            ),
        ],
    )
    # The same routes and lifespan, looked up without scanning them all (api/web/routing.py).
    app.router = IndexedRouter(routes=routes, lifespan=lifespan)
    app.state.openapi = build_openapi(routes, "Electronic health card platform", VERSION)
    app.state.settings = settings
    return app


def create_demo_app(settings: Settings) -> Starlette:
    """The API with the stand-in platforms under ``/mock`` and the mini-program simulator under
    ``/miniapp/`` (``ehc demo``)."""
    from miniapp_mock.app import create_mock_app

    return create_app(settings, extra_routes=[Mount("/mock", create_mock_app()), *miniapp_routes()])
