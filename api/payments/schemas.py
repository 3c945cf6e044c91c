"""Shapes of payments and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas import Body, Out


class PaymentRequest(Body):
    appointment_id: str = Field(min_length=1, max_length=24)
    method: Literal["wechat", "alipay"]


class PaymentOut(Out):
    payment_id: str
    appointment_id: str
    method: str
    amount: int = Field(description="fen")
    status: str
    refunded: int = Field(description="fen returned so far")
    paid_at: datetime | None


class PaymentStarted(PaymentOut):
    params: dict[str, Any] = Field(
        description="wx.requestPayment fields (WeChat) or {trade_no} (Alipay)"
    )


class RefundRequest(Body):
    amount: int = Field(gt=0, description="fen")
    reason: str = Field(min_length=1, max_length=255)


class RefundOut(Out):
    refund_id: str
    payment_id: str
    amount: int
    status: str
    reason: str
