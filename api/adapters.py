"""Building the adapters to outside platforms from settings (the composition root calls this;
tests swap what it builds by replacing entries of ``ctx.adapters``)."""

from __future__ import annotations

from api.appointments.booking import REFUND_HOOK
from api.cards.identity_register import IdentityRegister
from api.cards.sms_gateway import SmsGateway
from api.context import AppContext
from api.payments import service as payments
from api.payments.insurance import InsurancePlatform


def build_adapters(ctx: AppContext) -> None:
    """Construct the adapters to outside platforms from settings. Channel apps' adapters are
    made per app on first use (``api.channels.platforms``)."""
    settings = ctx.settings
    # Bookings refund through payments; every composition (web, worker, CLI) gets the hook.
    ctx.adapters[REFUND_HOOK] = payments.refund_booking
    ctx.adapters["sms"] = SmsGateway(
        base_url=settings.sms_base_url, api_key=settings.sms_api_key, http=ctx.http
    )
    ctx.adapters["identity"] = IdentityRegister(base_url=settings.idcheck_base_url, http=ctx.http)
    if settings.insurance_base_url and settings.insurance_fixmedins_code:
        ctx.adapters["insurance"] = InsurancePlatform(
            http=ctx.http, base_url=settings.insurance_base_url,
            fixmedins_code=settings.insurance_fixmedins_code, key=settings.insurance_key,
        )  # fmt: skip
