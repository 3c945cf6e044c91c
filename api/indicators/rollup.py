"""Keeping ``usage_daily`` as usage rows are written: the batch writer hands each batch of
``CardUsage`` values here, in the same transaction as their insert.

For every use it adds one to ``uses`` of its cell and, per dimension (day, region, institution,
channel, scene), one to ``first_<dimension>`` when it is the card's first use that day with
that dimension's value. Whether it is the first is decided by ``usage_seen`` (a row per card,
day and dimension value): the batch's keys are inserted there in one statement that skips
those already present and returns the new ones. Nothing reads the usage rows, so the cost
follows the batch, not the table; and two writers racing on one card cannot both count it.
The sweeper forgets the keys of days older than ``SEEN_DAYS`` (:func:`forget_old_seen`): a use
recorded later than that would count its card again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from api.context import AppContext
from api.indicators import places
from api.indicators.models import UsageDaily, UsageSeen
from api.timefmt import local, today

DIMENSIONS = ("day", "region", "institution", "channel", "scene")
CELL = ("day", "region_code", "institution_code", "channel_code", "scene", "medstep_code")
COUNTS = ("uses", *(f"first_{d}" for d in DIMENSIONS))
SEEN_ROWS_PER_STATEMENT = 900  # 3 parameters a row: far below SQLite's limit of 32766
SEEN_DAYS = 3  # days of keys kept: uses arrive within seconds, a terminal offline for a while
FORGET_BATCH = 5000  # keys deleted per sweep (every 5 s by default): 86 M a day, short deletes

Cell = tuple[date, str, str, str, str, str]
Seen = tuple[date, str, str]  # (day, card, key)


def _keys(region: str, institution: str, channel: str, scene: str) -> tuple[str, ...]:
    """The ``usage_seen`` key of each dimension's value for one use, in ``DIMENSIONS`` order."""
    return ("d", f"r:{region}", f"i:{institution}", f"c:{channel}", f"s:{scene}")


async def roll_up(rows: list[dict[str, Any]], tz: str) -> None:
    """Add a batch of usage rows (``CardUsage`` field values) to the daily roll-up."""
    if not rows:
        return
    regions = await places.institution_regions(r["institution_code"] for r in rows)
    days = [local(r["at"], tz).date() for r in rows]
    cells: dict[Cell, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    # Each key's first use in the batch (time order) is the one that counts it, if it is new.
    firsts: dict[Seen, tuple[Cell, int]] = {}
    for day, row in sorted(zip(days, rows, strict=True), key=lambda pair: pair[1]["at"]):
        region = regions[row["institution_code"]]
        cell = (day, region, row["institution_code"], row["channel_code"], row["scene"],
                row["medstep_code"])  # fmt: skip
        cells[cell][0] += 1
        keys = _keys(region, row["institution_code"], row["channel_code"], row["scene"])
        for i, key in enumerate(keys, start=1):
            firsts.setdefault((day, row["card_id"], key), (cell, i))
    for seen in await _mark_seen(sorted(firsts)):
        cell, i = firsts[seen]
        cells[cell][i] += 1
    await _add(cells)


async def _mark_seen(keys: list[Seen]) -> list[Seen]:
    """Insert ``keys`` into ``usage_seen`` (sorted, so concurrent writers lock in one order)
    and return those that were not there yet."""
    meta = UsageSeen._meta
    db = meta.db
    head = f"INSERT INTO {meta.db_table} (day, card_id, key)"
    tail = "ON CONFLICT (day, card_id, key) DO NOTHING RETURNING day, card_id, key"
    if db.capabilities.dialect == "postgres":  # one statement, whatever the batch's size
        sql = f"{head} SELECT * FROM unnest($1::date[], $2::varchar[], $3::varchar[]) {tail}"
        columns = [list(column) for column in zip(*keys, strict=True)]
        found = await db.execute_query_dict(sql, columns)
        return [(r["day"], r["card_id"], r["key"]) for r in found]
    new: list[Seen] = []
    for chunk in _chunks(keys):
        values = ", ".join(["(?, ?, ?)"] * len(chunk))
        params = [v for day, card, key in chunk for v in (day.isoformat(), card, key)]
        found = await db.execute_query_dict(f"{head} VALUES {values} {tail}", params)
        new += [(date.fromisoformat(str(r["day"])[:10]), r["card_id"], r["key"]) for r in found]
    return new


def _chunks(items: list[Seen]) -> Iterable[list[Seen]]:
    for i in range(0, len(items), SEEN_ROWS_PER_STATEMENT):
        yield items[i : i + SEEN_ROWS_PER_STATEMENT]


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
        for cell, counts in sorted(cells.items())  # one lock order for concurrent writers
    ]
    await db.execute_many(sql, values)


def recorder(tz: str) -> Any:
    """The batch writer's roll-up for ``CardUsage`` in zone ``tz``."""

    async def record(rows: list[dict[str, Any]]) -> None:
        await roll_up(rows, tz)

    return record


async def forget_old_seen(ctx: AppContext) -> int:
    """Delete up to ``FORGET_BATCH`` ``usage_seen`` keys of days before the last ``SEEN_DAYS``
    (run by the sweeper; the figures stay in ``usage_daily``)."""
    before = today(ctx.settings.timezone) - timedelta(days=SEEN_DAYS)
    old = await UsageSeen.filter(day__lt=before).limit(FORGET_BATCH).values_list("id", flat=True)
    return await UsageSeen.filter(id__in=list(old)).delete() if old else 0
