"""The ASGI factory uvicorn imports in each worker process (``ehc serve``)."""

from __future__ import annotations

from starlette.applications import Starlette

from api.settings import Settings
from api.web.app import create_app


def app() -> Starlette:
    """The API configured from the environment."""
    return create_app(Settings.from_env())
