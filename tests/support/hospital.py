"""A hospital's catalogue as the card centre's admin sets it up (API.md "Appointments")."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_now() -> datetime:
    """Now, in the hospital's zone."""
    return datetime.now(SHANGHAI)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """Tomorrow at a local time (always bookable: booking opens 7 days ahead)."""
    day = local_now().date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


async def ensure_hospital(
    api: httpx.AsyncClient, admin: dict, code: str, checkin_opens_minutes: int | None = None
) -> None:
    resp = await api.post(
        "/api/v1/admin/hospitals",
        json={
            "code": code,
            "name": f"测试医院{code}",
            "checkin_opens_minutes": checkin_opens_minutes,
        },
        headers=admin,
    )
    assert resp.status_code == 201, resp.text


async def new_doctor(api: httpx.AsyncClient, admin: dict, hospital_code: str) -> tuple[int, int]:
    """A new department with one doctor; returns (department_id, doctor_id)."""
    tag = secrets.token_hex(3).upper()
    dept = await api.post(
        f"/api/v1/admin/hospitals/{hospital_code}/departments",
        json={"code": f"DP{tag}", "name": f"科室{tag}"},
        headers=admin,
    )
    assert dept.status_code == 201, dept.text
    doctor = await api.post(
        f"/api/v1/admin/departments/{dept.json()['department_id']}/doctors",
        json={"code": f"DR{tag}", "name": "张医生", "title": "主治医师"},
        headers=admin,
    )
    assert doctor.status_code == 201, doctor.text
    return dept.json()["department_id"], doctor.json()["doctor_id"]


async def new_schedule(
    api: httpx.AsyncClient,
    admin: dict,
    hospital_code: str,
    slots: list[tuple[datetime, datetime, int]],
    *,
    fee: int = 0,
    day: date | None = None,
) -> dict:
    """A schedule of a new doctor with the given (start, end, capacity) slots."""
    _, doctor_id = await new_doctor(api, admin, hospital_code)
    resp = await api.post(
        "/api/v1/admin/schedules",
        json={
            "doctor_id": doctor_id,
            "date": (day or slots[0][0].date()).isoformat(),
            "period": "morning",
            "fee": fee,
            "room": "101",
            "slots": [
                {"start": s.isoformat(), "end": e.isoformat(), "capacity": c} for s, e, c in slots
            ],
        },
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def one_slot(
    api: httpx.AsyncClient,
    admin: dict,
    hospital_code: str,
    *,
    capacity: int = 5,
    fee: int = 0,
    start: datetime | None = None,
    minutes: float = 30,
) -> tuple[dict, int]:
    """A schedule with a single slot; returns (schedule, slot_id)."""
    start = start or tomorrow_at(9)
    schedule = await new_schedule(
        api, admin, hospital_code, [(start, start + timedelta(minutes=minutes), capacity)], fee=fee
    )
    return schedule, schedule["slots"][0]["slot_id"]
