"""The guide's indicators for a range of local days, grouped by one dimension.

Each row: ``issued`` (cards collected), ``used`` (cards used: distinct cards per day for the
row's key, summed over the range's days, so a card used on three days counts three times),
``uses`` (every use) and ``collection_rate`` (by region only: cards of the region's residents
collected up to the range's end ÷ its population; null when the population is unknown).

Usage figures come from the daily roll-up (``usage_daily``), never from the usage rows.
Issued cards are read from the card table for the range. Long ranges are read a month at a
time, reporting progress, and summed (every figure is a sum over days).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.functions import Count, Sum

from api.cards.models import Card
from api.channels.models import ChannelApp
from api.errors import DomainError
from api.indicators import places
from api.indicators.models import UsageDaily
from api.timefmt import day_span, local

GROUPS = ("day", "region", "institution", "channel", "scene")
MAX_DAYS = 3660  # ten years
CHUNK_DAYS = 31
UNKNOWN_REGION = "unknown"
NO_INSTITUTION = "none"
# The roll-up's column holding each grouping's key and its distinct-card count.
KEY_COLUMN = {"day": "day", "region": "region_code", "institution": "institution_code",
              "channel": "channel_code", "scene": "scene"}  # fmt: skip

Progress = Callable[[int, int], None]


@dataclass
class IndicatorRow:
    """One key's figures."""

    key: str
    issued: int = 0
    used: int = 0
    uses: int = 0
    collection_rate: float | None = None


def check_range(first: date, last: date) -> None:
    """``VALIDATION_ERROR`` unless ``first`` ≤ ``last`` within ``MAX_DAYS``."""
    if last < first or (last - first).days >= MAX_DAYS:
        raise DomainError("VALIDATION_ERROR", f"from must not be after to, at most {MAX_DAYS} days")


def chunks(first: date, last: date) -> list[tuple[date, date]]:
    """The range cut into pieces of at most ``CHUNK_DAYS`` days."""
    pieces, start = [], first
    while start <= last:
        end = min(last, start + timedelta(days=CHUNK_DAYS - 1))
        pieces.append((start, end))
        start = end + timedelta(days=1)
    return pieces


async def indicators(
    first: date,
    last: date,
    group_by: str,
    tz: str,
    region: str | None = None,
    progress: Progress | None = None,
) -> list[IndicatorRow]:
    """The rows for local days ``first``..``last`` by ``group_by``, inside ``region`` (a region
    code prefix: the holder's region for cards collected, the institution's for uses)."""
    check_range(first, last)
    rows: dict[str, IndicatorRow] = {}
    if group_by == "day":
        for n in range((last - first).days + 1):
            key = (first + timedelta(days=n)).isoformat()
            rows[key] = IndicatorRow(key)
    pieces = chunks(first, last)
    for done, (start, end) in enumerate(pieces, start=1):
        for key, used, uses in await _usage(start, end, group_by, region):
            row = rows.setdefault(key, IndicatorRow(key))
            row.used, row.uses = row.used + used, row.uses + uses
        for key, issued in (await _issued(start, end, group_by, region, tz)).items():
            rows.setdefault(key, IndicatorRow(key)).issued += issued
        if progress:
            progress(done, len(pieces))
    if group_by == "region":
        await _collection_rates(rows, last, tz)
    return [rows[key] for key in sorted(rows)]


async def _usage(
    first: date, last: date, group_by: str, region: str | None
) -> list[tuple[str, int, int]]:
    """(key, cards used, uses) from the roll-up."""
    column = KEY_COLUMN[group_by]
    query = UsageDaily.filter(day__gte=first, day__lte=last)
    if region:
        query = query.filter(region_code__startswith=region)
    found = (
        await query.annotate(n_used=Sum(f"first_{group_by}"), n_uses=Sum("uses"))
        .group_by(column)
        .values_list(column, "n_used", "n_uses")
    )
    return [
        (_usage_key(group_by, key), int(used or 0), int(uses or 0)) for key, used, uses in found
    ]


def _usage_key(group_by: str, key: object) -> str:
    if group_by == "day":
        return key.isoformat() if isinstance(key, date) else str(key)[:10]
    if group_by == "region":
        return str(key) or UNKNOWN_REGION
    return str(key)


async def _issued(
    first: date, last: date, group_by: str, region: str | None, tz: str
) -> dict[str, int]:
    """Cards collected in the range, counted by key (no key for scenes: collecting is not a
    use)."""
    if group_by == "scene":
        return {}
    start, end = day_span(first, last, tz)
    query = Card.filter(created_at__gte=start, created_at__lt=end)
    if region:
        query = query.filter(person__region_code__startswith=region)
    found = await query.values_list(
        "created_at", "institution_code", "channel_app_id", "person__region_code"
    )
    kinds = dict(await ChannelApp.all().values_list("app_id", "kind")) if found else {}
    counts: dict[str, int] = defaultdict(int)
    for at, institution, app, holder_region in found:
        if group_by == "day":
            key = local(at, tz).date().isoformat()
        elif group_by == "region":
            key = holder_region or UNKNOWN_REGION
        elif group_by == "institution":
            key = institution or NO_INSTITUTION
        else:  # the kind of app it was collected through; a chip card linked at a counter
            key = str(kinds.get(app, "counter")) if app else "counter"
        counts[key] += 1
    return counts


async def _collection_rates(rows: dict[str, IndicatorRow], last: date, tz: str) -> None:
    """Set each region row's collection rate where the region's population is known."""
    population = await places.populations(k for k in rows if k != UNKNOWN_REGION)
    known = {code: people for code, people in population.items() if people > 0}
    if not known:
        return
    _, end = day_span(last, last, tz)
    held = await (
        Card.filter(created_at__lt=end, person__region_code__in=list(known))
        .exclude(status="cancelled")
        .annotate(n=Count("card_id"))
        .group_by("person__region_code")
        .values_list("person__region_code", "n")
    )
    cards = dict(held)
    for code, people in known.items():
        rows.setdefault(code, IndicatorRow(code)).collection_rate = round(
            cards.get(code, 0) / people, 6
        )
