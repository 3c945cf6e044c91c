"""The objects every handler needs, built once by the composition root and handed to requests
through the lifespan state (never import-time globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request

from api.keys import Keys
from api.kv import KV
from api.settings import Settings


@dataclass
class AppContext:
    """Shared, long-lived objects: settings, the cache, the keys, the outbound HTTP client and
    the adapters to outside platforms (filled in by ``create_app``)."""

    settings: Settings
    kv: KV
    keys: Keys
    http: httpx.AsyncClient
    adapters: dict[str, Any] = field(default_factory=dict)


def ctx_of(request: Request) -> AppContext:
    """The application context of a request."""
    return request.state.ctx
