"""The objects every handler needs, built once by the composition root and handed to requests
through the lifespan state (never import-time globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request

from api.batch_writer import BatchWriter
from api.cpu_pool import CpuPool
from api.keys import Keys
from api.kv import KV
from api.lru import LRU
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
    writer: BatchWriter = field(default_factory=BatchWriter)
    # In-process cache of rows that never change once written: terminals, patient ids.
    cache: LRU = field(default_factory=LRU)
    # Threads for password hashing and SM2 checks, off the event loop.
    cpu: CpuPool = field(default_factory=CpuPool)


def ctx_of(request: Request) -> AppContext:
    """The application context of a request."""
    return request.state.ctx
