"""The resident's side of paying: the stand-in platforms' pay sheets (API.md "Mock platforms")."""

from __future__ import annotations

import httpx


async def confirm_payment(api: httpx.AsyncClient, method: str, params: dict, **extra: object):
    """Press "pay" in the WeChat Pay or Alipay sheet for the order behind ``params``."""
    if method == "wechat":
        prepay_id = params["package"].removeprefix("prepay_id=")
        return await api.post("/mock/wechat/pay/confirm", json={"prepay_id": prepay_id, **extra})
    return await api.post(
        "/mock/alipay/pay/confirm", json={"trade_no": params["trade_no"], **extra}
    )
