"""Bulk schedules from CSV or JSON (``ehc schedules import FILE`` and the admin API).

One row is one schedule; its slots are cut from ``start``–``end`` every ``slot_minutes``, each
with ``capacity`` places. Columns: hospital_code, department_code, department_name,
doctor_code, doctor_name, doctor_title, date (YYYY-MM-DD), period, start, end (HH:MM, the
hospital's local time), slot_minutes, capacity, fee (fen), room. Every bad row is reported with
its line and reason; the good rows are kept.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.appointments import catalog
from api.appointments.catalog import SlotSpec
from api.appointments.models import Hospital
from api.appointments.schemas import ImportRow
from api.errors import DomainError
from api.settings import Settings

REQUIRED = (
    "hospital_code", "department_code", "department_name", "doctor_code", "doctor_name",
    "date", "period", "start", "end", "slot_minutes", "capacity", "fee",
)  # fmt: skip


@dataclass
class Problem:
    """A row that was not imported."""

    line: int
    reason: str


def read_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a CSV (line numbers as in the file) or JSON array (its 1-based index)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise ValueError("a JSON schedule file holds an array of rows")
        return list(enumerate(rows, start=1))
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, row) for row in reader]


def _slots(row: ImportRow, tz: str) -> list[SlotSpec]:
    slots = catalog.cut_slots(row.date, row.start, row.end, row.slot_minutes, row.capacity, tz)
    if not slots:
        raise ValueError("start–end holds no whole slot")
    return slots


def _typed(row: dict[str, Any]) -> ImportRow:
    # Each column within its bounds (api.bounds), named in the problem without its value.
    blank = {name: value for name, value in row.items() if value is not None and value != ""}
    try:
        return ImportRow.model_validate(blank)
    except ValidationError as exc:
        fields = sorted({str(err["loc"][0]) for err in exc.errors() if err["loc"]})
        raise ValueError(f"bad {', '.join(fields) or 'row'}") from None


async def import_row(settings: Settings, row: dict[str, Any]) -> None:
    """Create one row's department, doctor (if new) and schedule; raises on a bad row."""
    if not isinstance(row, dict):
        raise ValueError("a row must be an object")
    missing = [name for name in REQUIRED if str(row.get(name) or "").strip() == ""]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    typed = _typed(row)
    hospital = await Hospital.get_or_none(code=typed.hospital_code)
    if hospital is None:
        raise ValueError(f"unknown hospital {typed.hospital_code}")
    slots = _slots(typed, hospital.timezone)
    department = await catalog.upsert_department(
        hospital.code, typed.department_code, typed.department_name
    )
    doctor = await catalog.upsert_doctor(
        department.id, typed.doctor_code, typed.doctor_name, typed.doctor_title, typed.specialty
    )
    await catalog.create_schedule(
        settings, doctor.id, typed.date, typed.period, typed.fee, typed.room, slots
    )


async def import_rows(
    settings: Settings,
    rows: Iterable[tuple[int, dict[str, Any]]],
    progress: Callable[[], None] = lambda: None,
) -> tuple[int, list[Problem]]:
    """Import every row it can; returns how many schedules were created and the problems."""
    created, problems = 0, []
    for line, row in rows:
        try:
            await import_row(settings, row)
            created += 1
        except DomainError as exc:
            problems.append(Problem(line, exc.message))
        except (ValueError, TypeError) as exc:
            problems.append(Problem(line, str(exc) or type(exc).__name__))
        progress()
    return created, problems


def numbered(rows: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows sent to the admin API, numbered from 1."""
    return iter(enumerate(rows, start=1))
