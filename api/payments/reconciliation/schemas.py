"""Shapes of reconciliation runs and their discrepancies."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from api.bounds import Day, line
from api.schemas import Body, Out

Method = Literal["wechat", "alipay"]


class ReconcileRequest(Body):
    date: Day
    method: Method


class DiscrepancyOut(Out):
    id: int
    date: dt.date
    method: str
    kind: str = Field(description="missing_here, missing_there, amount_mismatch or status_mismatch")
    line: str = Field(description="payment or refund")
    reference: str = Field(description="our out_trade_no (payment) or refund number (refund)")
    ours_amount: int | None = Field(description="fen")
    platform_amount: int | None = Field(description="fen")
    ours_status: str | None
    platform_status: str | None
    status: str = Field(description="open, resolved, ignored or cleared")
    note: str
    resolved_by: str | None
    resolved_at: dt.datetime | None


class ReconciliationSummary(Out):
    reconciliation_id: int
    date: dt.date
    method: str
    matched: int
    open_discrepancies: int
    bill_lines: int
    bill_net: int = Field(description="fen paid minus refunded, per the platform's bill")
    our_net: int = Field(description="fen paid minus refunded, per our books")
    runs: int
    ran_at: dt.datetime
    ran_by: str


class ReconciliationOut(ReconciliationSummary):
    discrepancies: list[DiscrepancyOut]


class ReconciliationList(Out):
    reconciliations: list[ReconciliationSummary]


class ReconciliationQuery(Body):
    method: Method | None = None
    limit: int = Field(default=60, ge=1, le=500)


class DiscrepancyQuery(Body):
    status: Literal["open", "resolved", "ignored", "cleared"] | None = None
    method: Method | None = None
    date: Day | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class DiscrepancyList(Out):
    discrepancies: list[DiscrepancyOut]


class ResolveRequest(Body):
    status: Literal["resolved", "ignored", "open"]
    note: line(255)
