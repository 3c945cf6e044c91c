"""``GET /api/v1/admin/stats``: cards issued (collected) and used (at a terminal), each broken
down by day (in the institution's zone), institution and channel.

``issued`` counts cards collected; its channel is the kind of app they were collected through
(``wechat``, ``alipay``, ``inhouse``; ``counter`` for a chip card linked at a counter).
``used`` counts distinct cards used at terminals; its channel is the terminal's national
channel code. Rows are read with only the columns needed, for a bounded date range.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from api.cards.models import Card
from api.channels.models import ChannelApp
from api.errors import DomainError
from api.terminals.models import CardUsage
from api.timefmt import day_span, local

MAX_DAYS = 366
NONE = "none"  # a card collected without an institution


def _span(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    if last < first or (last - first).days >= MAX_DAYS:
        raise DomainError("VALIDATION_ERROR", f"from must not be after to, at most {MAX_DAYS} days")
    return day_span(first, last, tz)


def _breakdown(rows: Iterable[tuple[str, str, str, str]]) -> dict[str, object]:
    """Distinct cards per day, institution and channel from (card, day, institution, channel)."""
    seen: dict[str, dict[str, set[str]]] = {k: defaultdict(set) for k in ("day", "inst", "chan")}
    cards: set[str] = set()
    for card_id, day, institution, channel in rows:
        cards.add(card_id)
        seen["day"][day].add(card_id)
        seen["inst"][institution].add(card_id)
        seen["chan"][channel].add(card_id)

    def counts(key: str) -> dict[str, int]:
        return {k: len(v) for k, v in sorted(seen[key].items())}

    return {"total": len(cards), "by_day": counts("day"),
            "by_institution": counts("inst"), "by_channel": counts("chan")}  # fmt: skip


async def issued(
    first: date, last: date, tz: str, within: set[str] | None = None
) -> dict[str, object]:
    """Cards collected between ``first`` and ``last`` (local days, inclusive), at the
    institutions ``within`` when given."""
    start, end = _span(first, last, tz)
    query = Card.filter(created_at__gte=start, created_at__lt=end)
    if within is not None:
        query = query.filter(institution_code__in=sorted(within))
    rows = await query.values_list("card_id", "created_at", "institution_code", "channel_app_id")
    kinds = dict(await ChannelApp.all().values_list("app_id", "kind"))
    return _breakdown(
        (str(card), local(at, tz).date().isoformat(), inst or NONE,
         str(kinds.get(app, "counter")) if app else "counter")
        for card, at, inst, app in rows
    )  # fmt: skip


async def used(
    first: date, last: date, tz: str, within: set[str] | None = None
) -> dict[str, object]:
    """Distinct cards used at terminals between ``first`` and ``last`` (local days), at the
    institutions ``within`` when given."""
    start, end = _span(first, last, tz)
    query = CardUsage.filter(at__gte=start, at__lt=end)
    if within is not None:
        query = query.filter(institution_code__in=sorted(within))
    rows = await query.values_list("card_id", "at", "institution_code", "channel_code")
    return _breakdown(
        (str(card), local(at, tz).date().isoformat(), str(inst), str(chan))
        for card, at, inst, chan in rows
    )
