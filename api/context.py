"""The objects every use case needs, built once by the composition root
(``api.composition.open_context``) and handed to requests through the lifespan state (never
import-time globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from api.batch_writer import BatchWriter
from api.cpu_pool import CpuPool
from api.keys import Keys
from api.kv import KV
from api.lru import LRU
from api.settings import Settings

if TYPE_CHECKING:  # the adapters name every area's outside systems; the context only holds them
    from api.adapters import Adapters
    from api.payables import PayableSource

# How a released booking's money goes back: (ctx, appointment, reason). Appointments call it;
# the composition root hands in payments' refund, so appointments never import payments.
RefundBooking = Callable[["AppContext", Any, str], Awaitable[None]]


async def _no_refunds(ctx: AppContext, appointment: Any, reason: str) -> None:
    """A composition without payments has nothing to give back."""


@dataclass
class AppContext:
    """Shared, long-lived objects: settings, the cache, the keys, the outbound HTTP client, the
    adapters to outside platforms and the links between areas."""

    settings: Settings
    kv: KV
    keys: Keys
    http: httpx.AsyncClient
    adapters: Adapters
    refund_booking: RefundBooking = _no_refunds
    # HIS bills as payments sees them (the composition root hands in the bills area's source).
    bill_payables: PayableSource | None = None
    writer: BatchWriter = field(default_factory=BatchWriter)
    # In-process cache of rows that never change once written: terminals, patient ids.
    cache: LRU = field(default_factory=LRU)
    # Threads for password hashing and SM2 checks, off the event loop.
    cpu: CpuPool = field(default_factory=CpuPool)
