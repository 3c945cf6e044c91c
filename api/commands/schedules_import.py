"""``ehc schedules import FILE``: bulk schedules with a progress bar and a report of bad rows."""

from __future__ import annotations

import sys
from pathlib import Path

from api.appointments import importer
from api.composition import open_context
from api.settings import Settings

BAR = 30


class ProgressBar:
    """A one-line progress bar on stderr (redrawn in place on a terminal)."""

    def __init__(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0

    def step(self) -> None:
        """One more row done."""
        self.done += 1
        filled = BAR * self.done // self.total
        end = "\n" if self.done >= self.total else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total}{end}")
        sys.stderr.flush()


async def import_command(settings: Settings, path: Path) -> int:
    """Import ``path``; exit status 0 when every row went in, 1 when some were refused."""
    try:
        rows = importer.read_file(path)
    except (OSError, ValueError) as exc:
        print(f"ehc schedules import: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    bar = ProgressBar(len(rows))
    async with open_context(settings, migrate=True):
        created, problems = await importer.import_rows(settings, rows, bar.step)
    for problem in problems:
        print(f"{path}:{problem.line}: {problem.reason}")
    print(f"{created} schedules imported, {len(problems)} rows refused")
    return 1 if problems else 0
