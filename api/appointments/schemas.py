"""Request and response shapes of hospitals, schedules and appointments."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import AwareDatetime, ConfigDict, Field

from api.bounds import Day, Fen, Id, TimeZone, key, line
from api.schemas import Body, Out

Period = Literal["morning", "afternoon", "evening", "night"]
MAX_CHECKIN_MINUTES = 7 * 24 * 60  # booking opens 7 days ahead: no earlier check-in


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
    department_id: Id
    date: Day


class BookRequest(Body):
    card_id: key(64)
    slot_id: Id


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
    qr: line(512)
    appointment_id: key(24)


class CheckinOut(Out):
    appointment_id: str
    queue_number: int
    ahead: int


class QueueNextRequest(Body):
    schedule_id: Id


class HospitalCreate(Body):
    code: key(32)
    name: line(128)
    checkin_opens_minutes: int | None = Field(
        default=60, ge=0, le=MAX_CHECKIN_MINUTES, description="null: check-in opens at booking"
    )
    timezone: TimeZone = "Asia/Shanghai"
    region_code: str | None = Field(
        default=None, pattern=r"^[1-9]\d{5}$", description="GB/T 2260 region (institution register)"
    )


class HospitalOut(Out):
    code: str
    name: str
    timezone: str
    checkin_opens_minutes: int | None


class DepartmentCreate(Body):
    code: line(32)
    name: line(128)


class DoctorCreate(Body):
    code: line(32)
    name: line(64)
    title: line(64, min_length=0) = ""
    specialty: line(255, min_length=0) = ""


class SlotCreate(Body):
    start: AwareDatetime
    end: AwareDatetime
    capacity: int = Field(ge=1, le=1000)


class ScheduleCreate(Body):
    doctor_id: Id
    date: Day
    period: Period
    fee: Fen
    room: line(64, min_length=0) = ""
    slots: list[SlotCreate] = Field(min_length=1, max_length=200)


class StopRequest(Body):
    reason: line(255)


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


class ImportRow(Body):
    """One row of a schedule import (CSV columns or a JSON object), as ``importer`` reads it."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)
    hospital_code: key(32)
    department_code: line(32)
    department_name: line(128)
    doctor_code: line(32)
    doctor_name: line(64)
    doctor_title: line(64, min_length=0) = ""
    specialty: line(255, min_length=0) = ""
    date: Day
    period: Period
    start: time
    end: time
    slot_minutes: int = Field(ge=1, le=24 * 60)
    capacity: int = Field(ge=1, le=1000)
    fee: Fen
    room: line(64, min_length=0) = ""


class HospitalList(Out):
    hospitals: list[HospitalOut]


class CatalogueDepartmentOut(DepartmentOut):
    active: bool


class CatalogueDepartmentList(Out):
    departments: list[CatalogueDepartmentOut]


class CatalogueDoctorOut(DoctorOut):
    code: str
    department_id: int
    active: bool


class CatalogueDoctorList(Out):
    doctors: list[CatalogueDoctorOut]


class DepartmentPatch(Body):
    name: line(128)


class DoctorPatch(Body):
    name: line(64) | None = None
    title: line(64) | None = None
    specialty: line(255, min_length=0) | None = None


class SchedulePatch(Body):
    fee: int | None = Field(default=None, ge=0, le=2**31 - 1, description="fen")
    room: line(64, min_length=0) | None = None


class CatalogueScheduleQuery(Body):
    hospital_code: key(32)
    date: Day | None = None
