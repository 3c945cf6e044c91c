"""Turning appointment-area rows into response shapes (times in the hospital's zone)."""

from __future__ import annotations

from api.appointments.booking import ahead_of
from api.appointments.models import Appointment, Department, Doctor, Schedule, Slot
from api.appointments.schemas import (
    AppointmentOut,
    DepartmentOut,
    DoctorOut,
    QueueOut,
    ScheduleOut,
    SlotOut,
)
from api.timefmt import local


def department_out(department: Department) -> DepartmentOut:
    """A department as residents see it."""
    return DepartmentOut(department_id=department.id, name=department.name, code=department.code)


def doctor_out(doctor: Doctor) -> DoctorOut:
    """A doctor as residents see them."""
    return DoctorOut(
        doctor_id=doctor.id, name=doctor.name, title=doctor.title, specialty=doctor.specialty
    )


def slot_out(slot: Slot, tz: str) -> SlotOut:
    """A slot with the places left (never negative)."""
    return SlotOut(
        slot_id=slot.id,
        start=local(slot.start, tz),
        end=local(slot.end, tz),
        remaining=max(0, slot.capacity - slot.booked),
    )


def schedule_out(schedule: Schedule) -> ScheduleOut:
    """A schedule with its doctor, slots and department's hospital (all loaded), in the
    hospital's zone."""
    tz = schedule.department.hospital.timezone
    return ScheduleOut(
        schedule_id=schedule.id,
        doctor=doctor_out(schedule.doctor),
        department_id=schedule.department_id,  # type: ignore[attr-defined]
        date=schedule.date,
        period=schedule.period,
        fee=schedule.fee,
        room=schedule.room,
        status=schedule.status,
        slots=[slot_out(s, tz) for s in sorted(schedule.slots, key=lambda s: s.start)],
    )


async def appointment_out(appointment: Appointment) -> AppointmentOut:
    """An appointment with its slot, schedule, doctor and department (all loaded)."""
    schedule = appointment.schedule
    hospital = schedule.department.hospital
    tz = hospital.timezone
    ahead = await ahead_of(appointment)
    queue = (
        QueueOut(number=appointment.queue_number, ahead=ahead)
        if appointment.queue_number is not None and ahead is not None
        else None
    )
    return AppointmentOut(
        appointment_id=appointment.appointment_id,
        status=appointment.status,
        card_id=appointment.card_id,
        fee=appointment.fee,
        pay_before=local(appointment.pay_before, tz) if appointment.pay_before else None,
        hospital_code=hospital.code,
        hospital_name=hospital.name,
        department=department_out(schedule.department),
        doctor=doctor_out(schedule.doctor),
        schedule_id=schedule.id,
        slot=slot_out(appointment.slot, tz),
        room=schedule.room,
        date=schedule.date,
        queue=queue,
        created_at=local(appointment.created_at, tz),
    )
