"""Card-centre settings an admin may change at run time; the environment gives defaults."""

from __future__ import annotations

from api.context import AppContext
from api.terminals.models import CentreSetting

QR_LIFETIME = "qr_lifetime"


async def qr_lifetime(ctx: AppContext) -> int:
    """Seconds a dynamic code stays valid."""
    row = await CentreSetting.get_or_none(key=QR_LIFETIME)
    return int(row.value) if row else ctx.settings.qr_lifetime


async def set_qr_lifetime(seconds: int) -> None:
    """Change the lifetime of codes issued from now on."""
    await CentreSetting.update_or_create(key=QR_LIFETIME, defaults={"value": seconds})
