"""Shapes of payments and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.bounds import PositiveFen, key, line
from api.errors import DomainError
from api.schemas import Body, Out


class PaymentRequest(Body):
    appointment_id: key(24) | None = Field(default=None, description="a held booking to pay")
    bill_id: key(24) | None = Field(
        default=None, description="an unpaid HIS bill to pay (instead of `appointment_id`)"
    )
    method: Literal["wechat", "alipay"]
    insurance_auth_code: key(64) | None = Field(
        default=None,
        description="what the resident's authorisation in the medical-insurance app gave the "
        "mini-program: pay with insurance, and only the self-pay part through `method`",
    )

    def payable(self) -> tuple[str, str]:
        """What is paid: (kind, id); ``VALIDATION_ERROR`` unless exactly one is named (a rule
        across fields, so it is the service's answer, not the published shape's)."""
        if (self.appointment_id is None) == (self.bill_id is None):
            raise DomainError("VALIDATION_ERROR", "name exactly one of appointment_id and bill_id")
        if self.bill_id is not None:
            return "bill", self.bill_id
        return "appointment", str(self.appointment_id)


class InsuranceOut(Out):
    order_id: str = Field(description="the insurance platform's order")
    total: int = Field(description="fen: the booking's fee as the platform totalled it")
    fund: int = Field(description="fen paid by the pooled insurance fund")
    account: int = Field(description="fen paid from the personal insurance account")
    self_pay: int = Field(description="fen the resident pays through WeChat Pay or Alipay")
    status: str = Field(
        description="presettled, settled, refunding, refunded, revoking, revoked or failed"
    )


class PaymentOut(Out):
    payment_id: str
    appointment_id: str | None
    bill_id: str | None = None
    method: str
    amount: int = Field(description="fen")
    status: str
    refunded: int = Field(description="fen returned so far")
    paid_at: datetime | None
    insurance: InsuranceOut | None = Field(
        default=None, description="the medical-insurance split, when paid with insurance"
    )


class PaymentStarted(PaymentOut):
    params: dict[str, Any] = Field(
        description="wx.requestPayment fields (WeChat) or {trade_no} (Alipay); empty when the "
        "insurance paid it all"
    )


class RefundRequest(Body):
    amount: PositiveFen
    reason: line(255)


class RefundOut(Out):
    refund_id: str
    payment_id: str
    amount: int
    status: str
    reason: str
