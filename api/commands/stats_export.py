"""``ehc stats export --from --to --group-by --format --out FILE``: the guide's indicators as a
CSV or XLSX file, read a month at a time with progress on stderr for long ranges."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from api.composition import open_context
from api.errors import DomainError
from api.indicators import export
from api.indicators import service as indicators
from api.settings import Settings


def _progress(done: int, total: int) -> None:
    if total > 1:
        print(f"  read {done}/{total} months", file=sys.stderr, flush=True)


async def export_command(
    settings: Settings, first: date, last: date, group_by: str, fmt: str, out: Path
) -> int:
    """Write the rows to ``out``; exit status 2 for a bad range."""
    try:
        indicators.check_range(first, last)
    except DomainError as exc:
        print(f"ehc stats export: {exc.message}", file=sys.stderr)
        return 2
    async with open_context(settings, migrate=True):
        rows = await indicators.indicators(
            first, last, group_by, settings.timezone, progress=_progress
        )
    partial = out.with_name(out.name + ".part")
    with partial.open("wb") as f:
        for piece in export.pieces(rows, fmt, f"{group_by} {first}..{last}"):
            f.write(piece)
    partial.replace(out)  # a reader never sees half a file
    print(f"{len(rows)} rows by {group_by}, {first} to {last}, written to {out} ({fmt})")
    return 0
