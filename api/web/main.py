"""The ASGI factory uvicorn imports in each worker process (``ehc serve``)."""

from __future__ import annotations

from starlette.applications import Starlette

from api.settings import Settings
from api.web.app import create_app
from api.web.middleware import configure_logging


def app() -> Starlette:
    """The API configured from the environment. Logging is set up here too: with ``--workers``
    each worker is a fresh (spawned) process that ``ehc serve``'s own set-up never reached."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(settings)
