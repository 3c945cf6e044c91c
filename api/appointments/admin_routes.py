"""The card centre's door of appointments: the catalogue of hospitals, departments, doctors
and schedules."""

from __future__ import annotations

from api.appointments import administration
from api.appointments.catalog import SlotSpec
from api.appointments.models import Department, Doctor
from api.appointments.schemas import (
    CatalogueDepartmentList,
    CatalogueDepartmentOut,
    CatalogueDoctorList,
    CatalogueDoctorOut,
    CatalogueScheduleQuery,
    DepartmentCreate,
    DepartmentOut,
    DepartmentPatch,
    DoctorCreate,
    DoctorOut,
    DoctorPatch,
    HospitalCreate,
    HospitalList,
    HospitalOut,
    ImportProblem,
    ImportReport,
    ImportRows,
    ScheduleCreate,
    ScheduleList,
    ScheduleOut,
    SchedulePatch,
    StopOut,
    StopRequest,
)
from api.appointments.views import department_out, doctor_out, schedule_out
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


async def create_hospital(request: Request, body: HospitalCreate) -> HospitalOut:
    """Create or update a hospital."""
    made = await administration.put_hospital(
        caller_of(request), body.code, body.name, body.checkin_opens_minutes, body.timezone,
        body.region_code,
    )  # fmt: skip
    return HospitalOut.model_validate(made)


async def create_department(request: Request, body: DepartmentCreate) -> DepartmentOut:
    """Create or rename a department of a hospital."""
    made = await administration.put_department(
        caller_of(request), request.path_params["hospital_code"], body.code, body.name
    )
    return department_out(made)


async def create_doctor(request: Request, body: DoctorCreate) -> DoctorOut:
    """Create or update a doctor of a department."""
    made = await administration.put_doctor(
        caller_of(request), path_int(request, "department_id"), body.code, body.name,
        body.title, body.specialty,
    )  # fmt: skip
    return doctor_out(made)


async def create_schedule(request: Request, body: ScheduleCreate) -> ScheduleOut:
    """Create a schedule and its slots."""
    made = await administration.add_schedule(
        ctx_of(request), caller_of(request), body.doctor_id, body.date, body.period, body.fee,
        body.room, [SlotSpec(s.start, s.end, s.capacity) for s in body.slots],
    )  # fmt: skip
    return schedule_out(made)


async def import_schedules(request: Request, body: ImportRows) -> ImportReport:
    """Create many schedules at once; bad rows are reported, good rows kept."""
    created, problems = await administration.import_schedules(
        ctx_of(request), caller_of(request), body.rows
    )
    return ImportReport(
        created=created, problems=[ImportProblem(line=p.line, reason=p.reason) for p in problems]
    )


async def stop_schedule(request: Request, body: StopRequest) -> StopOut:
    """Stop a schedule (the doctor is ill): its patients are told and refunded."""
    schedule_id = path_int(request, "schedule_id")
    cancelled = await administration.stop_schedule(
        ctx_of(request), caller_of(request), schedule_id, body.reason
    )
    return StopOut(schedule_id=schedule_id, status="stopped", cancelled=cancelled)


async def list_hospitals(request: Request) -> HospitalList:
    """Hospitals inside your scope."""
    found = await administration.hospitals(caller_of(request))
    return HospitalList(hospitals=[HospitalOut.model_validate(h) for h in found])


def _department_out(found: Department) -> CatalogueDepartmentOut:
    return CatalogueDepartmentOut(department_id=found.id, name=found.name, code=found.code,
                                  active=found.active)  # fmt: skip


def _doctor_out(found: Doctor) -> CatalogueDoctorOut:
    return CatalogueDoctorOut(
        doctor_id=found.id, code=found.code, name=found.name, title=found.title,
        specialty=found.specialty, department_id=found.department_id,  # type: ignore[attr-defined]
        active=found.active,
    )  # fmt: skip


async def list_departments(request: Request) -> CatalogueDepartmentList:
    """A hospital's departments, retired ones included."""
    found = await administration.departments(
        caller_of(request), request.path_params["hospital_code"]
    )
    return CatalogueDepartmentList(departments=[_department_out(d) for d in found])


async def update_department(request: Request, body: DepartmentPatch) -> CatalogueDepartmentOut:
    """Rename a department."""
    found = await administration.update_department(
        caller_of(request), path_int(request, "department_id"), body.name
    )
    return _department_out(found)


async def retire_department(request: Request) -> CatalogueDepartmentOut:
    """Retire a department and its doctors: no new schedules, gone from residents' lists."""
    found = await administration.retire_department(
        caller_of(request), path_int(request, "department_id")
    )
    return _department_out(found)


async def list_doctors(request: Request) -> CatalogueDoctorList:
    """A department's doctors, retired ones included."""
    found = await administration.doctors(caller_of(request), path_int(request, "department_id"))
    return CatalogueDoctorList(doctors=[_doctor_out(d) for d in found])


async def update_doctor(request: Request, body: DoctorPatch) -> CatalogueDoctorOut:
    """Change a doctor's name, title or specialty."""
    found = await administration.update_doctor(
        caller_of(request),
        path_int(request, "doctor_id"),
        body.model_dump(exclude_unset=True, exclude_none=True),  # null: left as it is
    )
    return _doctor_out(found)


async def retire_doctor(request: Request) -> CatalogueDoctorOut:
    """Retire a doctor: no new schedules."""
    found = await administration.retire_doctor(caller_of(request), path_int(request, "doctor_id"))
    return _doctor_out(found)


async def list_schedules(request: Request, query: CatalogueScheduleQuery) -> ScheduleList:
    """A hospital's schedules (of one day, when given), stopped ones included."""
    found = await administration.schedules(caller_of(request), query.hospital_code, query.date)
    return ScheduleList(schedules=[schedule_out(s) for s in found])


async def update_schedule(request: Request, body: SchedulePatch) -> ScheduleOut:
    """Change a schedule's room, or its fee while nobody holds a booking."""
    found = await administration.update_schedule(
        caller_of(request),
        path_int(request, "schedule_id"),
        body.model_dump(exclude_unset=True, exclude_none=True),  # null: left as it is
    )
    return schedule_out(found)


DEPARTMENT = "/api/v1/admin/departments/{department_id}"
DOCTOR = "/api/v1/admin/doctors/{doctor_id}"
SCHEDULE = "/api/v1/admin/schedules/{schedule_id}"

routes = [
    admin_route("GET", "/api/v1/admin/hospitals", list_hospitals, response=HospitalList),
    admin_route("GET", "/api/v1/admin/hospitals/{hospital_code}/departments", list_departments,
                response=CatalogueDepartmentList),
    admin_route("PATCH", DEPARTMENT, update_department, body=DepartmentPatch,
                response=CatalogueDepartmentOut),
    admin_route("POST", DEPARTMENT + "/retire", retire_department,
                response=CatalogueDepartmentOut),
    admin_route("GET", DEPARTMENT + "/doctors", list_doctors, response=CatalogueDoctorList),
    admin_route("PATCH", DOCTOR, update_doctor, body=DoctorPatch, response=CatalogueDoctorOut),
    admin_route("POST", DOCTOR + "/retire", retire_doctor, response=CatalogueDoctorOut),
    admin_route("GET", "/api/v1/admin/schedules", list_schedules, query=CatalogueScheduleQuery,
                response=ScheduleList),
    admin_route("PATCH", SCHEDULE, update_schedule, body=SchedulePatch, response=ScheduleOut,
                errors=["INVALID_STATE"]),
    admin_route("POST", "/api/v1/admin/hospitals", create_hospital, body=HospitalCreate,
                response=HospitalOut, status=201),
    admin_route("POST", "/api/v1/admin/hospitals/{hospital_code}/departments", create_department,
                body=DepartmentCreate, response=DepartmentOut, status=201),
    admin_route("POST", "/api/v1/admin/departments/{department_id}/doctors", create_doctor,
                body=DoctorCreate, response=DoctorOut, status=201),
    admin_route("POST", "/api/v1/admin/schedules", create_schedule, body=ScheduleCreate,
                response=ScheduleOut, status=201,
                errors=["CONFLICT", "NOT_FOUND", "VALIDATION_ERROR"]),
    admin_route("POST", "/api/v1/admin/schedules/import", import_schedules, body=ImportRows,
                response=ImportReport),
    admin_route("POST", "/api/v1/admin/schedules/{schedule_id}/stop", stop_schedule,
                body=StopRequest, response=StopOut, errors=["NOT_FOUND"]),
]  # fmt: skip
