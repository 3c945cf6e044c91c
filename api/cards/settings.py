"""Card-centre settings an admin may change at run time; the environment gives defaults."""

from __future__ import annotations

import time

from api.cards.models import CentreSetting
from api.context import AppContext

QR_LIFETIME = "qr_lifetime"
REFRESH = 5.0


async def qr_lifetime(ctx: AppContext) -> int:
    """Seconds a dynamic code stays valid (re-read at most every few seconds: other workers
    see an admin's change within ``REFRESH`` seconds)."""
    cached = ctx.cache.get(QR_LIFETIME)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    row = await CentreSetting.get_or_none(key=QR_LIFETIME)
    value = int(row.value) if row else ctx.settings.qr_lifetime
    ctx.cache.put(QR_LIFETIME, (value, time.monotonic() + REFRESH))
    return value


async def set_qr_lifetime(ctx: AppContext, seconds: int) -> None:
    """Change the lifetime of codes issued from now on."""
    await CentreSetting.update_or_create(key=QR_LIFETIME, defaults={"value": seconds})
    ctx.cache.pop(QR_LIFETIME)
