"""Instants are stored in UTC and shown in the institution's zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """The zone object for a name (cached)."""
    return ZoneInfo(name)


def local(dt: datetime, tz: str = "Asia/Shanghai") -> datetime:
    """``dt`` converted to ``tz`` (naive values are taken as UTC, as the ORM stores them)."""
    if dt.tzinfo is None:
        from datetime import UTC

        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone(tz))
