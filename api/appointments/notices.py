"""What a resident is told about their booking, written to the outbox in the same
transaction as the change (the messages worker delivers it)."""

from __future__ import annotations

from typing import Any

from api.appointments.models import Appointment
from api.context import AppContext
from api.outbox.service import enqueue
from api.timefmt import local


def booking_facts(appointment: Appointment) -> dict[str, Any]:
    """The facts every notice about a booking carries (times in the hospital's zone)."""
    schedule = appointment.schedule
    hospital = schedule.department.hospital
    return {
        "appointment_id": appointment.appointment_id,
        "hospital": hospital.name,
        "department": schedule.department.name,
        "doctor": schedule.doctor.name,
        "room": schedule.room,
        "start": local(appointment.slot.start, hospital.timezone).isoformat(),
        "fee": appointment.fee,
    }


async def notice(ctx: AppContext, appointment: Appointment, event: str, **extra: Any) -> None:
    """Queue ``event`` about ``appointment`` for the user who booked it."""
    payload = {**booking_facts(appointment), **extra}
    if appointment.pay_before is not None and event == "booking_held":
        hospital = appointment.schedule.department.hospital
        payload["pay_before"] = local(appointment.pay_before, hospital.timezone).isoformat()
    await enqueue(event, appointment.user_id, payload, card_id=appointment.card_id)
