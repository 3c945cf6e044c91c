"""Building the adapters to outside platforms from settings (the composition root calls this;
tests swap what it builds by replacing entries of ``ctx.adapters``)."""

from __future__ import annotations

from api.cards.identity_register import IdentityRegister
from api.cards.sms_gateway import SmsGateway
from api.context import AppContext


def build_adapters(ctx: AppContext) -> None:
    """Construct the adapters to outside platforms from settings. Channel apps' adapters are
    made per app on first use (``api.channels.platforms``)."""
    settings = ctx.settings
    ctx.adapters["sms"] = SmsGateway(
        base_url=settings.sms_base_url, api_key=settings.sms_api_key, http=ctx.http
    )
    ctx.adapters["identity"] = IdentityRegister(base_url=settings.idcheck_base_url, http=ctx.http)
