"""The adapter for a channel app's platform, built from settings and the app's sealed keys.

Adapters are kept per app in the context (the WeChat one caches its access token); tests or an
operator can swap one by putting another object under the same key.
"""

from __future__ import annotations

from typing import Any

from api.channels.alipay_platform import AlipayMiniProgram
from api.channels.models import ChannelApp
from api.channels.wechat_platform import WeChatMiniProgram
from api.context import AppContext

SECRET_CONTEXT = "channel.secret"


def _key(app_id: str) -> str:
    return f"channel:{app_id}"


def platform_for(ctx: AppContext, app: ChannelApp) -> Any:
    """The WeChat or Alipay adapter of ``app`` (made on first use)."""
    cached = ctx.adapters.get(_key(app.app_id))
    if cached is not None:
        return cached
    secret = ctx.keys.ring.open(app.secret_sealed or "", context=SECRET_CONTEXT)
    timeout = ctx.settings.upstream_timeout
    if app.kind == "wechat":
        adapter: Any = WeChatMiniProgram(
            api_base=ctx.settings.wechat_api_base, appid=app.app_id, secret=secret, timeout=timeout
        )
    elif app.kind == "alipay":
        adapter = AlipayMiniProgram(
            gateway_url=ctx.settings.alipay_gateway,
            app_id=app.app_id,
            app_private_key=secret,
            alipay_public_key=app.platform_public_key or "",
            timeout=timeout,
        )
    else:
        raise ValueError(f"{app.kind} apps have no platform adapter")
    ctx.adapters[_key(app.app_id)] = adapter
    return adapter


def forget(ctx: AppContext, app_id: str) -> None:
    """Drop a cached adapter (its keys changed)."""
    ctx.adapters.pop(_key(app_id), None)
