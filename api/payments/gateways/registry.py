"""The money platform of each (method, channel app): made on first use from the app's row and
the merchant settings, then kept; a test hands in its own gateways with ``given``.

Which vendor a method is, and how to tell which app a notify claims to be for, is known here and
in the vendor modules only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import httpx

from api.channels.models import ChannelApp
from api.channels.platforms import ChannelPlatforms
from api.errors import DomainError
from api.payments.gateways.alipay import AlipayPayGateway
from api.payments.gateways.base import Gateway
from api.payments.gateways.wechat_pay import WeChatPayGateway
from api.settings import Settings

if TYPE_CHECKING:
    from api.context import AppContext

NOTIFY_PATH = "/api/v1/payments/notify/"


class Vendor(Protocol):
    """What is known of a vendor before any of its apps: whether its bill covers the whole
    merchant, and how to read which app a notify claims to be for."""

    MERCHANT_WIDE_BILL: bool

    def notify_app_id(self, body: bytes) -> str: ...


# The vendor behind each payment method.
VENDORS: dict[str, Vendor] = {"wechat": WeChatPayGateway, "alipay": AlipayPayGateway}


class PaymentGateways:
    """WeChat Pay and Alipay gateways per channel app."""

    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        channels: ChannelPlatforms,
        given: Mapping[tuple[str, str], Gateway] | None = None,
    ) -> None:
        self.settings = settings
        self.http = http
        self.channels = channels
        self._made: dict[tuple[str, str], Gateway] = dict(given or {})

    async def for_app(self, method: str, app_id: str) -> Gateway:
        """The ``method`` gateway of channel app ``app_id`` (``METHOD_UNAVAILABLE`` when the app
        is not of that kind or no merchant is configured)."""
        made = self._made.get((method, app_id))
        if made is not None:
            return made
        app = await ChannelApp.get_or_none(app_id=app_id)
        if app is None or app.kind != method:
            raise DomainError("METHOD_UNAVAILABLE", f"{method} pay is not available in this app")
        gateway = self._make(method, app)
        self._made[(method, app_id)] = gateway
        return gateway

    async def for_notify(self, method: str, body: bytes) -> Gateway:
        """The gateway of the app a ``method`` notify claims to be for (it then verifies the
        notify: a claim it cannot sign for is refused)."""
        vendor = VENDORS.get(method)
        if vendor is None:
            raise DomainError("VALIDATION_ERROR", f"no {method} notifies are taken")
        return await self.for_app(method, vendor.notify_app_id(body))

    def _make(self, method: str, app: ChannelApp) -> Gateway:
        notify_url = self.settings.public_url + NOTIFY_PATH + method
        if method != "wechat":
            return AlipayPayGateway(self.channels.for_app(app).gateway, notify_url, self.http)
        settings = self.settings
        if not (settings.wechatpay_mch_id and settings.wechatpay_api_key):
            raise DomainError("METHOD_UNAVAILABLE", "no WeChat Pay merchant is configured")
        return WeChatPayGateway(
            appid=app.app_id, mch_id=settings.wechatpay_mch_id,
            api_key=settings.wechatpay_api_key, base=settings.wechatpay_base,
            notify_url=notify_url, timeout=settings.upstream_timeout,
        )  # fmt: skip

    def forget(self, app_id: str) -> None:
        """Drop the gateways of an app whose keys changed."""
        for made in [k for k in self._made if k[1] == app_id]:
            del self._made[made]


async def gateway_for(ctx: AppContext, method: str, app_id: str) -> Gateway:
    """The money platform of ``method`` for a channel app."""
    return await ctx.adapters.payments.for_app(method, app_id)


def merchant_wide_bill(method: str) -> bool:
    """True when the ``method`` platform's daily bill covers every app of the merchant (one
    download is enough)."""
    vendor = VENDORS.get(method)
    return vendor is not None and vendor.MERCHANT_WIDE_BILL
