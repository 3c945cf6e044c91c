"""The resident's side of paying: a booking waiting for payment, the stand-in platforms' pay sheets
(API.md "Mock platforms")."""

from __future__ import annotations

import httpx

from tests.support.hospital import one_slot
from tests.support.partner import bearer

FEE = 1500


async def confirm_payment(api: httpx.AsyncClient, method: str, params: dict, **extra: object):
    """Press "pay" in the WeChat Pay or Alipay sheet for the order behind ``params``."""
    if method == "wechat":
        prepay_id = params["package"].removeprefix("prepay_id=")
        return await api.post("/mock/wechat/pay/confirm", json={"prepay_id": prepay_id, **extra})
    return await api.post(
        "/mock/alipay/pay/confirm", json={"trade_no": params["trade_no"], **extra}
    )


async def held_booking(
    api: httpx.AsyncClient, admin: dict, clinic: str, holder: dict, fee: int = FEE
) -> dict:
    """A new one-slot schedule at ``clinic`` and ``holder``'s booking of it, waiting for payment."""
    _, slot_id = await one_slot(api, admin, clinic, fee=fee)
    made = await api.post(
        "/api/v1/appointments",
        json={"card_id": holder["card"]["card_id"], "slot_id": slot_id},
        headers=bearer(holder["token"]),
    )
    assert made.json()["status"] == "pending_payment", made.text
    return made.json()
