"""When booking opens and closes, when check-in opens, when a hold or a visit has lapsed:
pure functions of the settings and the clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from api.settings import Settings
from api.timefmt import zone


def booking_opens_at(visit: date, tz: str, settings: Settings) -> datetime:
    """The instant booking opens for a visit on the local date ``visit`` (e.g. 7 days ahead at
    07:00 hospital time)."""
    hour, minute = (int(part) for part in settings.booking_open_time.split(":"))
    day = visit - timedelta(days=settings.booking_open_days)
    return datetime.combine(day, time(hour, minute), tzinfo=zone(tz))


def booking_closes_at(slot_start: datetime, settings: Settings) -> datetime:
    """The last instant a slot may be booked."""
    return slot_start - timedelta(minutes=settings.booking_close_minutes)


def cancel_closes_at(slot_start: datetime, settings: Settings) -> datetime:
    """The last instant a booking may be cancelled by the resident."""
    return slot_start - timedelta(minutes=settings.cancel_cutoff_minutes)


def checkin_opens_at(slot_start: datetime, opens_minutes: int | None) -> datetime | None:
    """When check-in opens for a slot (None: from the moment of booking)."""
    if opens_minutes is None:
        return None
    return slot_start - timedelta(minutes=opens_minutes)


def hold_expires_at(now: datetime, settings: Settings) -> datetime:
    """``pay_before`` of a new paid booking."""
    return now + timedelta(seconds=settings.pay_seconds)


def missed_if_ended_before(at: datetime, settings: Settings) -> datetime:
    """A booking never checked in counts as missed at ``at`` when its slot ended before this
    (the grace lets a late patient still be seen)."""
    return at - timedelta(seconds=settings.noshow_grace_seconds)
