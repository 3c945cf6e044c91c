"""The guide's indicators at scale: one day of usage rows (1 M by default) written through the
batch writer, which keeps the daily roll-up, then the figures for that day by every grouping
read from the roll-up, against a full scan of the usage rows (SQL ``GROUP BY`` with
``count(DISTINCT card_id)``, the best a scan can do) in the same run.

Also prints what keeping the roll-up costs per written row (batches written with and without
it, on PostgreSQL).

Run: .venv/bin/python -m bench.indicators [--rows 1000000]
(EHC_BENCH_REDIS_URL picks the Redis db, as for every bench.)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from api.batch_writer import BatchWriter
from api.composition import open_context
from api.db import lifecycle
from api.indicators import service as indicators
from api.settings import Settings
from api.terminals.models import CardUsage
from api.terminals.scenes import MEDSTEP_CODES
from bench.harness import bench_database

TZ = "Asia/Shanghai"
DAY = date(2026, 3, 2)
OTHER_DAY = date(2026, 3, 3)  # the write-cost sample without the roll-up
BATCH = 5000
SCAN_COLUMN = {"day": None, "region": None, "institution": "institution_code",
               "channel": "channel_code", "scene": "scene"}  # fmt: skip


def usage(rng: random.Random, n: int, day: date, cards: list[str]) -> list[dict]:
    """``n`` uses on ``day``: 20 institutions, 2 channels, every scene, in time order."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    step = 86_400 / n
    rows = []
    for i in range(n):
        scene = rng.choice(list(MEDSTEP_CODES))
        rows.append({
            "card_id": rng.choice(cards), "issuer": "BENCH",
            "institution_code": f"H{rng.randrange(20):04d}", "terminal_id": "T1",
            "channel_code": rng.choice(("0100", "0200")), "medstep_code": MEDSTEP_CODES[scene],
            "scene": scene, "at": start + timedelta(seconds=i * step),
        })  # fmt: skip
    return rows


async def write(writer: BatchWriter, rows: list[dict], label: str) -> float:
    """Queue and flush ``rows`` in batches as terminals' uses are; seconds taken."""
    began = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        for row in rows[i : i + BATCH]:
            writer.add_values(CardUsage, **row)
        await writer.flush()
        if (i // BATCH) % 40 == 39:
            print(f"  {label}: {i + BATCH:,} rows written", flush=True)
    return time.perf_counter() - began


async def timed(make) -> tuple[float, object]:
    """Best of three runs (seconds) and the result."""
    best, result = float("inf"), None
    for _ in range(3):
        began = time.perf_counter()
        result = await make()
        best = min(best, time.perf_counter() - began)
    return best, result


async def scan(group_by: str) -> list:
    """The baseline: one full pass over the day's usage rows in the database."""
    from tortoise import connections

    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=ZoneInfo(TZ))
    column = SCAN_COLUMN[group_by]
    key = column or "1"
    sql = (
        f"SELECT {key}, count(DISTINCT card_id), count(*) FROM card_usage "
        f"WHERE at >= $1 AND at < $2 GROUP BY {key}"
    )
    return await connections.get("default").execute_query_dict(
        sql, [start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)]
    )


async def run(env: dict[str, str], n: int, sample: int) -> None:
    settings = Settings(
        database_url=env["EHC_DATABASE_URL"], redis_url=env["EHC_REDIS_URL"],
        data_dir=Path(env["EHC_DATA_DIR"]), timezone=TZ,
    )  # fmt: skip
    await lifecycle.upgrade(settings.resolved_database_url)
    rng = random.Random(7)
    cards = [secrets.token_hex(32) for _ in range(max(1, n // 4))]
    async with open_context(settings) as ctx:
        print(f"writing {n:,} uses of {len(cards):,} cards on {DAY} through the batch writer")
        with_rollup = await write(ctx.writer, usage(rng, n, DAY, cards), "with roll-up")
        plain = await write(BatchWriter(), usage(rng, sample, OTHER_DAY, cards), "plain")
        per_row = with_rollup / n * 1e6
        per_plain = plain / sample * 1e6
        print(f"write, with roll-up: {with_rollup:8.1f} s  {per_row:6.1f} µs/row")
        print(f"write, rows only:    {plain * n / sample:8.1f} s  {per_plain:6.1f} µs/row "
              f"(from {sample:,} rows; roll-up adds x{per_row / per_plain:.2f})")  # fmt: skip
        print(f"\naggregating {DAY} ({n:,} usage rows): roll-up vs full scan, best of 3")
        for group_by in indicators.GROUPS:
            fast, rows = await timed(lambda g=group_by: indicators.indicators(DAY, DAY, g, TZ))
            slow, _ = await timed(lambda g=group_by: scan(g))
            print(f"  by {group_by:<12} roll-up {fast * 1000:8.1f} ms   full scan "
                  f"{slow * 1000:8.1f} ms   x{slow / fast:6.1f}  ({len(rows)} rows)")  # fmt: skip
        day = (await indicators.indicators(DAY, DAY, "day", TZ))[0]
        print(f"\n{DAY}: {day.uses:,} uses, {day.used:,} cards used")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="uses on the day")
    parser.add_argument("--sample", type=int, default=100_000,
                        help="rows written without the roll-up, for its cost")  # fmt: skip
    args = parser.parse_args()
    with bench_database() as env:
        asyncio.run(run(env, args.rows, args.sample))


if __name__ == "__main__":
    main()
