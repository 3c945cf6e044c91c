"""The application context outside a web server, for command-line tools and workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from api.adapters import build_adapters
from api.context import AppContext
from api.db import lifecycle
from api.keys import load_or_create
from api.kv import KV
from api.settings import Settings


@asynccontextmanager
async def offline_context(settings: Settings, *, migrate: bool = True) -> AsyncIterator[AppContext]:
    """Open keys, database (migrated first) and cache; close them on exit."""
    if migrate:
        await lifecycle.upgrade(settings.resolved_database_url)
    keys = load_or_create(settings.resolved_keys_file)
    await lifecycle.open_orm(settings.resolved_database_url, settings.db_pool_size)
    kv = KV.connect(settings.redis_url)
    http = httpx.AsyncClient(timeout=settings.upstream_timeout)
    ctx = AppContext(settings=settings, kv=kv, keys=keys, http=http)
    build_adapters(ctx)
    ctx.writer.start()
    try:
        yield ctx
    finally:
        await ctx.writer.close()
        await http.aclose()
        await kv.close()
        await lifecycle.close_orm()
