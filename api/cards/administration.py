"""The card centre's settings of the cards it issues, each change recorded in the audit trail
as the acting admin's."""

from __future__ import annotations

from api.audit import service as audit
from api.cards import settings
from api.context import AppContext
from api.principals import Caller


async def set_qr_lifetime(ctx: AppContext, actor: Caller, lifetime: int) -> None:
    """Change the dynamic code lifetime for codes issued from now on."""
    await settings.set_qr_lifetime(ctx, lifetime)
    await audit.record(actor, "settings.qr", detail={"lifetime": lifetime})
