"""Keeping ``usage_daily`` as usage rows are written: the batch writer hands each batch of
``CardUsage`` values here, in the same transaction as their insert.

For every use it adds one to ``uses`` of its cell and, per dimension (day, region, institution,
channel, scene), one to ``first_<dimension>`` when it is the card's first use that day with
that dimension's value. Earlier uses of the batch's cards that day are read once per batch
through the card index, so the cost follows the batch, not the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from api.indicators import places
from api.indicators.models import UsageDaily
from api.terminals.models import CardUsage
from api.timefmt import day_span, local

DIMENSIONS = ("day", "region", "institution", "channel", "scene")
CELL = ("day", "region_code", "institution_code", "channel_code", "scene", "medstep_code")
COUNTS = ("uses", *(f"first_{d}" for d in DIMENSIONS))
IN_LIMIT = 900  # ids per IN (...) list: below SQLite's parameter limit with room to spare

Cell = tuple[date, str, str, str, str, str]


def _keys(region: str, institution: str, channel: str, scene: str) -> tuple[tuple[str, str], ...]:
    """The value of each dimension for one use (the day is the seen-set's own key)."""
    return (("day", ""), ("region", region), ("institution", institution),
            ("channel", channel), ("scene", scene))  # fmt: skip


async def roll_up(rows: list[dict[str, Any]], tz: str) -> None:
    """Add a batch of usage rows (``CardUsage`` field values) to the daily roll-up."""
    if not rows:
        return
    regions = await places.institution_regions(r["institution_code"] for r in rows)
    days = [local(r["at"], tz).date() for r in rows]
    seen = await _earlier_uses(rows, days, regions, tz)
    cells: dict[Cell, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    for day, row in sorted(zip(days, rows, strict=True), key=lambda pair: pair[1]["at"]):
        region = regions[row["institution_code"]]
        counts = cells[(day, region, row["institution_code"], row["channel_code"],
                        row["scene"], row["medstep_code"])]  # fmt: skip
        counts[0] += 1
        card_seen = seen[(day, row["card_id"])]
        for i, key in enumerate(_keys(region, row["institution_code"], row["channel_code"],
                                      row["scene"]), start=1):  # fmt: skip
            if key not in card_seen:
                card_seen.add(key)
                counts[i] += 1
    await _add(cells)


async def _earlier_uses(
    rows: list[dict[str, Any]], days: list[date], regions: dict[str, str], tz: str
) -> dict[tuple[date, str], set[tuple[str, str]]]:
    """What each of the batch's cards had already been used for on the batch's days."""
    seen: dict[tuple[date, str], set[tuple[str, str]]] = defaultdict(set)
    cards_by_day: dict[date, set[str]] = defaultdict(set)
    for day, row in zip(days, rows, strict=True):
        cards_by_day[day].add(row["card_id"])
    for day, cards in cards_by_day.items():
        start, end = day_span(day, day, tz)
        earlier = []
        for chunk in _chunks(sorted(cards)):
            earlier += await CardUsage.filter(
                card_id__in=chunk, at__gte=start, at__lt=end
            ).values_list("card_id", "institution_code", "channel_code", "scene")
        missing = {inst for _, inst, _, _ in earlier} - regions.keys()
        regions.update(await places.institution_regions(missing))
        for card, inst, channel, scene in earlier:
            seen[(day, card)].update(_keys(regions[inst], inst, channel, scene))
    return seen


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), IN_LIMIT):
        yield items[i : i + IN_LIMIT]


async def _add(cells: dict[Cell, list[int]]) -> None:
    """Upsert the cells, adding to the counts already there (one statement, every cell)."""
    meta = UsageDaily._meta
    db = meta.db
    names = [*CELL, *COUNTS]
    columns = [meta.fields_db_projection[n] for n in names]
    postgres = db.capabilities.dialect == "postgres"
    marks = ", ".join(f"${i + 1}" if postgres else "?" for i in range(len(names)))
    sets = ", ".join(f"{c} = {meta.db_table}.{c} + excluded.{c}" for c in columns[len(CELL) :])
    sql = (
        f"INSERT INTO {meta.db_table} ({', '.join(columns)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(columns[: len(CELL)])}) DO UPDATE SET {sets}"
    )
    fields = [meta.fields_map[n] for n in names]
    values = [
        [f.to_db_value(v, UsageDaily) for f, v in zip(fields, (*cell, *counts), strict=True)]
        for cell, counts in cells.items()
    ]
    await db.execute_many(sql, values)


def recorder(tz: str) -> Any:
    """The batch writer's roll-up for ``CardUsage`` in zone ``tz``."""

    async def record(rows: list[dict[str, Any]]) -> None:
        await roll_up(rows, tz)

    return record
