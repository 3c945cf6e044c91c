"""The composition root: one function opens everything a use case needs (keys, database,
cache, outbound HTTP, the adapters, the links between areas) for every way in: the web app's
lifespan, the message worker and the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.adapters import build_adapters
from api.context import AppContext
from api.db import lifecycle
from api.keys import load_or_create
from api.kv import KV
from api.payments import service as payments
from api.settings import Settings


@asynccontextmanager
async def open_context(
    settings: Settings, *, migrate: bool = False, task_orm: bool = False, **overrides: Any
) -> AsyncIterator[AppContext]:
    """Open keys, database (migrated first with ``migrate``), cache and adapters (``overrides``
    replace adapters by name, for tests); close them all on exit. ``task_orm`` keeps the
    database context to the calling task (a test in a process whose server holds the global
    one)."""
    if migrate:
        await lifecycle.upgrade(settings.resolved_database_url)
    keys = load_or_create(settings.resolved_keys_file)
    await lifecycle.open_orm(
        settings.resolved_database_url, settings.db_pool_size, task_only=task_orm
    )
    kv = KV.connect(settings.redis_url)
    http = httpx.AsyncClient(timeout=settings.upstream_timeout)
    ctx = AppContext(
        settings=settings, kv=kv, keys=keys, http=http,
        adapters=build_adapters(settings, http, keys, **overrides),
        refund_booking=payments.refund_booking,
    )  # fmt: skip
    ctx.writer.start()
    try:
        yield ctx
    finally:
        await ctx.writer.close()
        await http.aclose()
        await kv.close()
        await lifecycle.close_orm()
