"""The ASGI factory uvicorn imports in each worker process (``ehc serve``)."""

from __future__ import annotations

from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings


def app() -> Starlette:
    """The API configured from the environment."""
    return create_app(Settings.from_env())
