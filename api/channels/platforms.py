"""The platform behind each channel app (WeChat or Alipay mini-program), built from settings
and the app's sealed keys on first use, then kept (the WeChat one caches its access token); a
test hands in its own with ``given``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.channels.alipay_platform import AlipayMiniProgram
from api.channels.models import ChannelApp
from api.channels.wechat_platform import WeChatMiniProgram
from api.keys import Keys
from api.settings import Settings

SECRET_CONTEXT = "channel.secret"


class ChannelPlatforms:
    """WeChat and Alipay mini-program adapters per channel app."""

    def __init__(self, settings: Settings, keys: Keys, given: Mapping[str, Any] | None = None):
        self.settings = settings
        self.keys = keys
        self._made: dict[str, Any] = dict(given or {})

    def for_app(self, app: ChannelApp) -> Any:
        """The WeChat or Alipay adapter of ``app``."""
        made = self._made.get(app.app_id)
        if made is None:
            made = self._made[app.app_id] = self._make(app)
        return made

    def _make(self, app: ChannelApp) -> Any:
        secret = self.keys.ring.open(app.secret_sealed or "", context=SECRET_CONTEXT)
        settings = self.settings
        if app.kind == "wechat":
            return WeChatMiniProgram(
                api_base=settings.wechat_api_base, appid=app.app_id, secret=secret,
                timeout=settings.upstream_timeout,
            )  # fmt: skip
        if app.kind == "alipay":
            return AlipayMiniProgram(
                gateway_url=settings.alipay_gateway, app_id=app.app_id, app_private_key=secret,
                alipay_public_key=app.platform_public_key or "", timeout=settings.upstream_timeout,
            )  # fmt: skip
        raise ValueError(f"{app.kind} apps have no platform adapter")

    def forget(self, app_id: str) -> None:
        """Drop the adapter of an app whose keys changed."""
        self._made.pop(app_id, None)
