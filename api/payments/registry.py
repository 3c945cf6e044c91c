"""The money platform of each (method, channel app): made on first use from the app's row and
the merchant settings, then kept; a test hands in its own gateways with ``given``."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from api.channels.models import ChannelApp
from api.channels.platforms import ChannelPlatforms
from api.errors import DomainError
from api.payments.gateways import AlipayPayGateway, Gateway, WeChatPayGateway
from api.settings import Settings

NOTIFY_PATH = "/api/v1/payments/notify/"


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
