"""The grouped shape of ``GET /api/v1/admin/stats`` (with ``group_by``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from api.schemas import Out

GroupBy = Literal["day", "region", "institution", "channel", "scene"]


class IndicatorRowOut(Out):
    key: str = Field(description="the day, region code, institution code, channel or scene")
    issued: int = Field(description="cards collected")
    used: int = Field(description="cards used: distinct cards a day, summed over the days")
    uses: int = Field(description="uses at terminals")
    collection_rate: float | None = Field(
        description="by region: its residents' cards ÷ its population (null when unknown)"
    )


class IndicatorsOut(Out):
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    group_by: GroupBy
    rows: list[IndicatorRowOut]
