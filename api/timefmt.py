"""Instants are stored in UTC and shown in the institution's zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """The zone object for a name (cached)."""
    return ZoneInfo(name)


def now() -> datetime:
    """The current instant, zone-aware (UTC): what every stored instant is compared with."""
    return datetime.now(UTC)


def local(dt: datetime, tz: str = "Asia/Shanghai") -> datetime:
    """``dt`` converted to ``tz`` (naive values are taken as UTC, as the ORM stores them)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone(tz))
