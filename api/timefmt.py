"""Instants are stored in UTC and shown in the institution's zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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


def today(tz: str = "Asia/Shanghai") -> date:
    """The current calendar day in ``tz``."""
    return local(now(), tz).date()


def day_span(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """From the start of local day ``first`` to the end of local day ``last`` (exclusive), in
    UTC: the embedded SQLite compares stored instants as text, so bounds must share their zone."""
    start = datetime.combine(first, time.min, tzinfo=zone(tz))
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone(tz))
    return start.astimezone(UTC), end.astimezone(UTC)
