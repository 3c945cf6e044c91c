"""The composition root: one function opens everything a use case needs (keys, database,
cache, outbound HTTP, the adapters, the links between areas) for every way in: the web app's
lifespan, the message worker and the command line."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from redis.exceptions import RedisClusterException, RedisError

from api.adapters import build_adapters
from api.bills.payable import BILL_PAYABLES
from api.context import AppContext
from api.db import lifecycle
from api.indicators import rollup
from api.keys import Keys, load_or_create
from api.kv import KV
from api.payments import service as payments
from api.settings import Settings
from api.terminals.models import CardUsage


@asynccontextmanager
async def open_context(
    settings: Settings, *, migrate: bool = False, private_orm: bool = False, **overrides: Any
) -> AsyncIterator[AppContext]:
    """Open keys, database (migrated first with ``migrate``), cache and adapters (``overrides``
    replace adapters by name, for tests); close them all on exit. ``private_orm`` keeps the
    database connection to this task (see ``lifecycle.orm_opened``)."""
    if migrate:
        await lifecycle.upgrade(settings.resolved_database_url)
    keys = load_or_create(settings.resolved_keys_file)
    async with lifecycle.orm_opened(
        settings.resolved_database_url, settings.db_pool_size, private=private_orm
    ):
        async with _opened(settings, keys, overrides) as ctx:
            yield ctx


@asynccontextmanager
async def _opened(
    settings: Settings, keys: Keys, overrides: dict[str, Any]
) -> AsyncIterator[AppContext]:
    kv = KV.connect(settings.redis_url)
    with contextlib.suppress(RedisError, RedisClusterException):  # else the first claim starts it
        await kv.epoch()  # a fresh store's epoch begins before any code is issued
    http = httpx.AsyncClient(timeout=settings.upstream_timeout)
    ctx = AppContext(
        settings=settings, kv=kv, keys=keys, http=http,
        adapters=build_adapters(settings, http, keys, **overrides),
        refund_booking=payments.refund_booking, bill_payables=BILL_PAYABLES,
    )  # fmt: skip
    ctx.writer.roll_up(CardUsage, rollup.recorder(settings.timezone))
    ctx.writer.start()
    try:
        yield ctx
    finally:
        await ctx.writer.close()
        ctx.cpu.close()
        await http.aclose()
        await kv.close()
