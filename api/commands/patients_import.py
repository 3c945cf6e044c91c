"""``ehc patients import FILE``: a hospital's existing patients, streamed from CSV in batches,
with a progress bar and every refused row named by its line."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from api.commands.schedules_import import ProgressBar
from api.composition import open_context
from api.patients import importer
from api.principals import SYSTEM
from api.settings import Settings


class BatchBar(ProgressBar):
    """The schedules' progress bar, advanced a batch at a time."""

    def advance(self, rows: int) -> None:
        """``rows`` more rows done."""
        if rows > 0:
            self.done += rows - 1
            self.step()


def _count(path: Path) -> int:
    with path.open("rb") as f:
        return max(sum(1 for line in f if line.strip()) - 1, 0)


async def _rows(path: Path) -> AsyncIterator[tuple[int, dict | None]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines: Iterator[str] = iter(f)
        for row in importer.csv_rows(lines):
            yield row


async def import_command(settings: Settings, path: Path) -> int:
    """Import ``path``; exit status 0 when every row went in, 1 when some were refused."""
    try:
        total = _count(path)
        first = path.open(encoding="utf-8-sig").readline()
        importer.RowParser().feed(first)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"ehc patients import: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    bar = BatchBar(total)
    started = time.perf_counter()
    async with open_context(settings, migrate=True) as ctx:
        report = await importer.import_rows(ctx, SYSTEM, _rows(path), bar.advance)
    took = time.perf_counter() - started
    for problem in report.problems:
        print(f"{path}:{problem.line}: {problem.reason}")
    print(
        f"{report.rows} rows in {took:.1f} s: {report.cards_created} cards made (pending "
        f"activation), {report.linked} patient ids linked, {report.unchanged} already there, "
        f"{len(report.problems)} rows refused"
    )
    return 1 if report.problems else 0
