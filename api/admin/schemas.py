"""Shapes of admin sign-in, the audit listing and the usage statistics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, RootModel

from api.bounds import Day, Id, key, line, text
from api.indicators.schemas import IndicatorsOut
from api.schemas import Body, Out


class SessionRequest(Body):
    username: line(64)
    password: text(256)
    totp: line(10)


class SessionOut(Out):
    token: str
    expires_in: int


class AuditQuery(Body):
    limit: int = Field(default=100, ge=1, le=1000)
    before_id: Id | None = None
    action: line(64) | None = None
    target_id: line(128) | None = None
    actor_id: line(64) | None = None


class AuditEntryOut(Out):
    id: int
    at: datetime
    actor_type: str
    actor_id: str
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    request_id: str | None
    detail: dict[str, Any] | None


class AuditOut(Out):
    entries: list[AuditEntryOut]


class StatsQuery(Body):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (local days, inclusive; default the last 30 days);
    ``group_by`` for the grouped rows, ``format`` to download them."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    first: Day | None = Field(default=None, alias="from")
    last: Day | None = Field(default=None, alias="to")
    group_by: Literal["day", "region", "institution", "channel", "scene"] | None = Field(
        default=None, description="the grouped shape: rows by this key (the guide's indicators)"
    )
    region: str | None = Field(
        default=None,
        pattern=r"^\d{2}(\d{2}){0,2}$",
        description="only this region (a GB/T 2260 code or its 2- or 4-digit prefix)",
    )
    format: Literal["json", "csv", "xlsx"] = Field(
        default="json", description="csv or xlsx: the grouped rows as a download"
    )


class Figures(Out):
    total: int = Field(description="distinct cards")
    by_day: dict[str, int]
    by_institution: dict[str, int]
    by_channel: dict[str, int]


class StatsOut(Out):
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    issued: Figures = Field(description="cards collected")
    used: Figures = Field(description="cards used at a terminal")


class StatsAnswer(RootModel[StatsOut | IndicatorsOut]):
    """Without ``group_by`` the totals and breakdowns; with it the grouped rows."""


class UserCreate(Body):
    username: key(64)
    role: Literal["centre_admin", "region_admin", "institution_admin", "auditor", "clerk"]
    scope: key(32) | None = None


class UserCreated(Out):
    username: str
    role: str
    scope: str | None
    password: str = Field(description="shown once")
    totp_uri: str = Field(description="otpauth:// enrolment, shown once")
    totp_qr_svg: str = Field(description="the enrolment URI as a QR image (SVG)")


class UserOut(Out):
    username: str
    role: str
    scope: str | None
    active: bool = Field(validation_alias="is_active")
    created_by: str | None
    created_at: datetime


class UserList(Out):
    users: list[UserOut]


class ReachOut(Out):
    region_prefix: str | None = Field(description="a GB/T 2260 prefix the caller is limited to")
    institution_code: str | None = Field(description="the one institution the caller is limited to")


class MeOut(Out):
    username: str
    role: str
    scope: str | None
    reach: ReachOut = Field(description="both null: the whole centre")
    actions: list[str] = Field(description="every action the role grants, from the policy")
    grantable_roles: list[str] = Field(description="roles of the staff you may create")
