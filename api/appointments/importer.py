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
from datetime import date, time
from pathlib import Path
from typing import Any

from api.appointments import catalog
from api.appointments.catalog import SlotSpec
from api.appointments.models import Hospital
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


def _slots(row: dict[str, Any], visit: date, tz: str) -> list[SlotSpec]:
    slots = catalog.cut_slots(
        visit,
        time.fromisoformat(str(row["start"])),
        time.fromisoformat(str(row["end"])),
        int(row["slot_minutes"]),
        int(row["capacity"]),
        tz,
    )
    if not slots:
        raise ValueError("start–end holds no whole slot")
    return slots


async def import_row(settings: Settings, row: dict[str, Any]) -> None:
    """Create one row's department, doctor (if new) and schedule; raises on a bad row."""
    if not isinstance(row, dict):
        raise ValueError("a row must be an object")
    missing = [name for name in REQUIRED if str(row.get(name) or "").strip() == ""]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    hospital = await Hospital.get_or_none(code=str(row["hospital_code"]).strip())
    if hospital is None:
        raise ValueError(f"unknown hospital {row['hospital_code']}")
    visit = date.fromisoformat(str(row["date"]).strip())
    slots = _slots(row, visit, hospital.timezone)
    department = await catalog.upsert_department(
        hospital.code, str(row["department_code"]).strip(), str(row["department_name"]).strip()
    )
    doctor = await catalog.upsert_doctor(
        department.id,
        str(row["doctor_code"]).strip(),
        str(row["doctor_name"]).strip(),
        str(row.get("doctor_title") or "").strip(),
        str(row.get("specialty") or "").strip(),
    )
    await catalog.create_schedule(
        settings,
        doctor.id,
        visit,
        str(row["period"]).strip(),
        int(row["fee"]),
        str(row.get("room") or "").strip(),
        slots,
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
