"""Request and response shapes of hospitals, schedules and appointments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from api.schemas import Body, Out

Period = Literal["morning", "afternoon", "evening", "night"]


class DepartmentOut(Out):
    department_id: int
    name: str
    code: str


class DepartmentList(Out):
    departments: list[DepartmentOut]


class DoctorOut(Out):
    doctor_id: int
    name: str
    title: str
    specialty: str = ""


class SlotOut(Out):
    slot_id: int
    start: datetime
    end: datetime
    remaining: int = Field(ge=0)


class ScheduleOut(Out):
    schedule_id: int
    doctor: DoctorOut
    department_id: int
    date: date
    period: str
    fee: int = Field(description="fen")
    room: str
    status: str
    slots: list[SlotOut]


class ScheduleList(Out):
    schedules: list[ScheduleOut]


class ScheduleQuery(Body):
    department_id: int
    date: date


class BookRequest(Body):
    card_id: str = Field(min_length=1, max_length=64)
    slot_id: int


class QueueOut(Out):
    number: int
    ahead: int


class AppointmentOut(Out):
    appointment_id: str
    status: str
    card_id: str
    fee: int = Field(description="fen")
    pay_before: datetime | None
    hospital_code: str
    hospital_name: str
    department: DepartmentOut
    doctor: DoctorOut
    schedule_id: int
    slot: SlotOut
    room: str
    date: date
    queue: QueueOut | None
    created_at: datetime


class AppointmentList(Out):
    appointments: list[AppointmentOut]


class CheckinRequest(Body):
    qr: str = Field(min_length=1, max_length=512)
    appointment_id: str = Field(min_length=1, max_length=24)


class CheckinOut(Out):
    appointment_id: str
    queue_number: int
    ahead: int


class QueueNextRequest(Body):
    schedule_id: int


class HospitalCreate(Body):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    checkin_opens_minutes: int | None = Field(
        default=60, ge=0, description="null: check-in opens at booking"
    )
    timezone: str = "Asia/Shanghai"


class HospitalOut(Out):
    code: str
    name: str
    timezone: str
    checkin_opens_minutes: int | None


class DepartmentCreate(Body):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)


class DoctorCreate(Body):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    title: str = Field(default="", max_length=64)
    specialty: str = Field(default="", max_length=255)


class SlotCreate(Body):
    start: AwareDatetime
    end: AwareDatetime
    capacity: int = Field(ge=1, le=1000)


class ScheduleCreate(Body):
    doctor_id: int
    date: date
    period: Period
    fee: int = Field(ge=0, description="fen")
    room: str = Field(default="", max_length=64)
    slots: list[SlotCreate] = Field(min_length=1, max_length=200)


class StopRequest(Body):
    reason: str = Field(min_length=1, max_length=255)


class StopOut(Out):
    schedule_id: int
    status: str
    cancelled: int


class ImportRows(Body):
    rows: list[dict[str, object]] = Field(max_length=10_000)


class ImportProblem(Out):
    line: int
    reason: str


class ImportReport(Out):
    created: int
    problems: list[ImportProblem]
