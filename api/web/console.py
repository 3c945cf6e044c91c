"""The card centre's console at ``/admin/``: static pages (``api/web/console``) that speak to
``/api/v1/admin`` with the signed-in admin's session. Apache ECharts is served from
``console/vendor`` (copied from the npm package by ``scripts/vendor-echarts.sh``, with its
licence), never from another site: the pages load only their own scripts and styles (CSP)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

CONSOLE_DIR = Path(__file__).parent / "console"


async def to_console(request: Request) -> Response:
    return RedirectResponse("/admin/")


def console_routes() -> list[BaseRoute]:
    """``/admin/`` and its files, and the redirect from ``/admin``."""
    return [
        Route("/admin", to_console, include_in_schema=False),
        Mount("/admin", StaticFiles(directory=CONSOLE_DIR, html=True), name="console"),
    ]
