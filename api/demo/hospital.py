"""The demo hospital: departments, doctors and schedules from today for 7 days.

Check-in opens from the moment of booking (API.md), so the journey can be walked at any hour.
Run again at every demo start: days that are missing are added, nothing is duplicated.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from api.appointments import catalog
from api.appointments.models import Schedule
from api.settings import Settings
from api.timefmt import zone

DEMO_DAYS = 7
SLOT_MINUTES = 30
SLOT_CAPACITY = 5
DEPARTMENTS = (
    # code, name, doctors (code, name, title, specialty, fee in fen, room)
    ("NK", "内科", (("D001", "王建国", "主任医师", "心血管", 1500, "门诊2楼201"),
                   ("D002", "李秀英", "主治医师", "消化", 1000, "门诊2楼203"))),
    ("EK", "儿科", (("D101", "陈晓梅", "副主任医师", "儿童呼吸", 1200, "门诊3楼301"),)),
    ("BM", "便民门诊", (("D201", "赵平", "医师", "开药、复诊", 0, "门诊1楼108"),)),
)  # fmt: skip
PERIODS = (("morning", time(8, 0), time(12, 0)), ("afternoon", time(13, 30), time(17, 30)))


async def seed_hospital(settings: Settings, code: str, name: str = "演示市第一人民医院") -> None:
    """A demo hospital and a week of schedules from today (hospital time)."""
    hospital = await catalog.upsert_hospital(
        code, name, checkin_opens_minutes=None, timezone=settings.timezone
    )
    today = datetime.now(zone(hospital.timezone)).date()
    for dept_code, dept_name, doctors in DEPARTMENTS:
        department = await catalog.upsert_department(code, dept_code, dept_name)
        for doc_code, name, title, specialty, fee, room in doctors:
            doctor = await catalog.upsert_doctor(department.id, doc_code, name, title, specialty)
            for offset in range(DEMO_DAYS):
                day = today + timedelta(days=offset)
                for period, start, end in PERIODS:
                    if await Schedule.exists(doctor=doctor, date=day, period=period):
                        continue
                    slots = catalog.cut_slots(
                        day, start, end, SLOT_MINUTES, SLOT_CAPACITY, hospital.timezone
                    )
                    await catalog.create_schedule(
                        settings, doctor.id, day, period, fee, room, slots
                    )
