"""Bulk patient import (``ehc patients import FILE``): rows per second for a hospital's
100,000 existing patients, the same file again (nothing changes), and a baseline measured in
the same run: the same importer taking one row per round trip on a sample. Each run also
prints the CPU time of the import process: on a shared machine the wall time mostly measures
the wait for a core, the CPU time per row does not.

Run: .venv/bin/python -m bench.patient_import [--rows 100000] [--baseline 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.cards import _unique_person
from bench.harness import ROOT, bench_database

HEADER = "name,id_type,id_number,phone,institution_code,patient_id\n"


def _write_csv(path: Path, rows: int, series: int, prefix: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        for n in range(rows):
            p = _unique_person(series, n)
            f.write(f"{p.name},01,{p.id_number},{p.phone},H0001,{prefix}{n:07d}\n")


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _import(env: dict[str, str], path: Path, *extra: str) -> tuple[float, float, str]:
    """Run the command; (wall seconds, CPU seconds of its process, its summary line)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "patients", "import", str(path), *extra],
        env={**os.environ, **env},
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
    )  # fmt: skip  (the progress bar goes to the terminal)
    took, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stdout[-2000:]}")
    return took, cpu, done.stdout.strip().splitlines()[-1]


async def _count(url: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(url)
    try:
        return (
            await conn.fetchval("SELECT count(*) FROM person"),
            await conn.fetchval("SELECT count(*) FROM card WHERE status='pending_activation'"),
            await conn.fetchval("SELECT count(*) FROM patient_record"),
        )
    finally:
        await conn.close()


async def _one_row_per_trip(env: dict[str, str], path: Path) -> float:
    """The importer with batches of one (what a row-by-row loader would do)."""
    os.environ.update(env)
    from api.composition import open_context
    from api.patients import importer
    from api.principals import SYSTEM
    from api.settings import Settings

    async def rows():
        with path.open(encoding="utf-8") as f:
            for row in importer.csv_rows(f):
                yield row

    async with open_context(Settings.from_env(), migrate=True) as ctx:
        started = time.perf_counter()
        report = await importer.import_rows(ctx, SYSTEM, rows(), batch_size=1)
        return report.rows / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    args = parser.parse_args()
    with bench_database() as env, tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "patients.csv", Path(tmp) / "sample.csv"
        _write_csv(big, args.rows, 0, "P")
        _write_csv(small, args.baseline, 1, "S")
        first, cpu, said = _import(env, big)
        print(f"first run:  {args.rows / first:8.0f} rows/s  ({first:.1f} s, CPU {cpu:.1f} s: "
              f"{cpu / args.rows * 1e6:.0f} µs a row)  {said}")  # fmt: skip
        counts = asyncio.run(_count(env["EHC_DATABASE_URL"]))
        again, cpu, said = _import(env, big)
        print(f"re-run:     {args.rows / again:8.0f} rows/s  ({again:.1f} s, CPU {cpu:.1f} s: "
              f"{cpu / args.rows * 1e6:.0f} µs a row)  {said}")  # fmt: skip
        same = asyncio.run(_count(env["EHC_DATABASE_URL"])) == counts
        print(f"re-run changed nothing: {same} (persons, pending cards, patient records: "
              f"{counts})")  # fmt: skip
        baseline = asyncio.run(_one_row_per_trip(env, small))
        print(f"baseline (one row per round trip, {args.baseline} rows): {baseline:8.0f} rows/s")
        print(f"ratio first run / baseline: {args.rows / first / baseline:.1f}x")


if __name__ == "__main__":
    main()
