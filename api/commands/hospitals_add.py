"""``ehc hospitals add CODE NAME``: create (or update) a hospital from the command line, so that
``ehc schedules import`` has a hospital to put schedules in on a fresh database."""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.appointments import catalog
from api.composition import open_context
from api.settings import Settings


async def add_hospital_command(
    settings: Settings, code: str, name: str, timezone: str, checkin_opens_minutes: int | None
) -> int:
    """Create or update the hospital and say which; exit status 2 for an unknown time zone."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"ehc hospitals add: unknown time zone {timezone!r}", file=sys.stderr)
        return 2
    async with open_context(settings, migrate=True):
        existed = await catalog.hospital_exists(code)
        made = await catalog.upsert_hospital(code, name, checkin_opens_minutes, timezone)
    window = (
        "check-in opens at booking"
        if made.checkin_opens_minutes is None
        else f"check-in opens {made.checkin_opens_minutes} min before the slot"
    )
    verb = "updated" if existed else "created"
    print(f"hospital {made.code} {verb}: {made.name}, {made.timezone}, {window}")
    return 0
