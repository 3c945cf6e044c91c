"""Shapes of admin sign-in and the audit listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from api.schemas import Body, Out


class SessionRequest(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp: str = Field(min_length=1, max_length=10)


class SessionOut(Out):
    token: str
    expires_in: int


class AuditQuery(Body):
    limit: int = Field(default=100, ge=1, le=1000)
    before_id: int | None = None
    action: str | None = None
    target_id: str | None = None
    actor_id: str | None = None


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
