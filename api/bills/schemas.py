"""Shapes of HIS bills: what the hospital posts, what the hospital and the resident see."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.bounds import Id32, PositiveFen, key, line
from api.schemas import Body, Out

MAX_ITEMS = 200


class BillItemIn(Body):
    code: key(32) = Field(description="the national medical-service or drug item code")
    name: line(128, min_length=1)
    quantity: int = Field(ge=1, le=10_000)
    amount: PositiveFen = Field(description="the unit price in fen")


class BillRequest(Body):
    patient_id: key(32) = Field(description="this institution's patient id (from verify)")
    visit_no: key(64) = Field(description="the HIS's visit (就诊) number")
    bill_no: key(64) | None = Field(
        default=None,
        description="the HIS's bill number within the visit; without one it is derived from "
        "the items, so posting the same items for the same visit again is the same bill",
    )
    items: list[BillItemIn] = Field(min_length=1, max_length=MAX_ITEMS)


class BillItemOut(Out):
    line: int
    code: str
    name: str
    quantity: int
    amount: int = Field(description="the unit price in fen")
    refunded_quantity: int


class BillCreated(Out):
    bill_id: str
    amount: int = Field(description="fen: Σ quantity × amount")
    status: str


class BillOut(BillCreated):
    institution_code: str
    patient_id: str
    visit_no: str
    bill_no: str
    refunded: int = Field(description="fen returned so far")
    payment_id: str | None
    paid_at: datetime | None
    created_at: datetime
    items: list[BillItemOut]


class BillList(Out):
    bills: list[BillOut]


class BillQuery(Body):
    status: Literal["unpaid", "paid", "cancelled", "refunded"] | None = None


class RefundLine(Body):
    line: Id32
    quantity: int = Field(ge=1, le=10_000)


class BillRefundRequest(Body):
    items: list[RefundLine] = Field(min_length=1, max_length=MAX_ITEMS)
    reason: line(255, min_length=1)


class BillRefundOut(Out):
    bill_id: str
    refund_id: str
    amount: int = Field(description="fen returned by this refund")
    status: str = Field(description="the bill's status afterwards")
