"""Shapes of the institution register and the regions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from api.bounds import key, line
from api.schemas import Body, Out

Kind = Literal["card_centre", "hospital", "community_health", "public_health",
               "registration_point"]  # fmt: skip
RegionCode = Annotated[str, Field(pattern=r"^[1-9]\d{5}$", description="GB/T 2260 code")]
RegionPrefix = Annotated[str, Field(pattern=r"^\d{2,6}$", description="a region code or prefix")]


class InstitutionCreate(Body):
    code: key(32)
    name: line(128)
    kind: Kind
    region_code: RegionCode
    parent_code: key(32) | None = None
    level: line(16) | None = None


class InstitutionPatch(Body):
    name: line(128) | None = None
    region_code: RegionCode | None = None
    parent_code: key(32) | None = None
    level: line(16) | None = None


class InstitutionQuery(Body):
    region: RegionPrefix | None = None
    kind: Kind | None = None
    active: bool | None = None


class InstitutionOut(Out):
    code: str
    name: str
    kind: str
    level: str | None
    region_code: str | None
    parent_code: str | None
    active: bool
    created_at: datetime


class InstitutionList(Out):
    institutions: list[InstitutionOut]


class RegionPut(Body):
    name: line(64)
    population: int | None = Field(default=None, ge=0, le=2_000_000_000)


class RegionOut(Out):
    code: str
    name: str
    population: int | None


class RegionList(Out):
    regions: list[RegionOut]
