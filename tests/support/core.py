"""The core without a server, for service-level tests: the same parts ``open_context`` opens
(keys, database, cache, outbound HTTP, the adapters built by ``build_adapters`` with keyword
overrides, the booking-refund link), so that a rule is tested by calling the service.

The ORM is opened in its own Tortoise context (``private_orm``): the test server of the same
pytest process holds the global one, and both may run at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.channels.platforms import ChannelPlatforms
from api.composition import open_context
from api.context import AppContext
from api.db import lifecycle
from api.keys import load_or_create
from api.payments.gateways.base import Gateway
from api.payments.gateways.registry import PaymentGateways
from api.settings import Settings


def migrate(settings: Settings) -> None:
    """Bring the database up to date (a no-op when the test server already did)."""
    asyncio.run(lifecycle.upgrade(settings.resolved_database_url))


@asynccontextmanager
async def open_core(
    settings: Settings,
    money_platforms: Mapping[tuple[str, str], Gateway] | None = None,
    **overrides: Any,
) -> AsyncIterator[AppContext]:
    """An ``AppContext`` like the web app's (``open_context`` with the ORM private to this
    task), with ``overrides`` in place of adapters (by name); ``money_platforms`` stand where
    WeChat Pay or Alipay would be, per (method, app id)."""
    async with httpx.AsyncClient(timeout=settings.upstream_timeout) as http:
        if money_platforms is not None:
            channels = ChannelPlatforms(settings, load_or_create(settings.resolved_keys_file))
            overrides["channels"] = channels
            overrides["payments"] = PaymentGateways(settings, http, channels, money_platforms)
        async with open_context(settings, private_orm=True, **overrides) as ctx:
            yield ctx
