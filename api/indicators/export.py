"""The indicator rows as CSV or XLSX, produced piece by piece (a long range is not held twice
in memory as text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

from api.indicators.service import IndicatorRow

COLUMNS = ("key", "issued", "used", "uses", "collection_rate")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PIECE = 64 * 1024


def _cells(row: IndicatorRow) -> list[object]:
    return [row.key, row.issued, row.used, row.uses, row.collection_rate]


def csv_pieces(rows: Iterable[IndicatorRow]) -> Iterator[bytes]:
    """The rows as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese
    keys right), a line at a time after the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else v for v in _cells(row)])
        yield buffer.getvalue().encode()


def xlsx_pieces(rows: Iterable[IndicatorRow], title: str) -> Iterator[bytes]:
    """The rows as one XLSX sheet (openpyxl's write-only mode: rows are not kept as cells),
    handed out in pieces."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    data = out.getbuffer()
    for i in range(0, len(data), PIECE):
        yield bytes(data[i : i + PIECE])


def pieces(rows: Iterable[IndicatorRow], fmt: str, title: str) -> Iterator[bytes]:
    """The rows in ``fmt`` (``csv`` or ``xlsx``)."""
    return csv_pieces(rows) if fmt == "csv" else xlsx_pieces(rows, title)


def filename(group_by: str, first: str, last: str, fmt: str) -> str:
    """The download's name: ``ehc-stats-<group>-<from>-<to>.<fmt>``."""
    return f"ehc-stats-{group_by}-{first}-{last}.{fmt}"
