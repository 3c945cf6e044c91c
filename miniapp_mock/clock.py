"""The platforms' clock: Beijing time, whatever zone the process runs in (their bills, pay
times and notifies are all stamped in it)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
TIME = "%Y-%m-%d %H:%M:%S"


def beijing_now() -> datetime:
    """Now, in Beijing time."""
    return datetime.now(BEIJING)
