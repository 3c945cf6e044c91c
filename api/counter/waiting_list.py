"""The waiting list of one department of the counter's hospital: today's registrations and
bookings that are still to be seen — waiting to pay, booked but not checked in, checked in
(with their queue number and how many are ahead), and the one each doctor has called.

A counter sees only its own institution's departments (another's is 404, as if missing) and
only the masked name of each patient, with its patient id at this hospital."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from api.appointments.models import Appointment, Department
from api.cards.identity import NAME
from api.cards.models import Card
from api.context import AppContext
from api.errors import not_found
from api.masking import mask_name
from api.principals import Caller
from api.terminals.models import PatientRecord
from api.terminals.service import terminal_of
from api.timefmt import today

LISTED = ("called", "checked_in", "booked", "pending_payment")
LONGEST = 500  # a department's day at one counter: more is not a list anyone reads


@dataclass(frozen=True)
class Waiting:
    """One patient on the list."""

    appointment: Appointment
    name_masked: str
    patient_id: str | None
    ahead: int | None


@dataclass(frozen=True)
class WaitingList:
    """A department's patients of one day, in the order the counter deals with them."""

    department: Department
    day: date
    patients: list[Waiting]


def _order(appointment: Appointment) -> tuple[int, int, datetime]:
    # Called first, then the checked-in queue by number, then the rest by their slot.
    return (
        LISTED.index(appointment.status),
        appointment.queue_number or 0,
        appointment.slot.start,
    )


async def waiting_list(
    ctx: AppContext, caller: Caller, department_id: int, day: date | None = None
) -> WaitingList:
    """Who is still to be seen in ``department_id`` of the caller's hospital on ``day``
    (today, in the hospital's zone, unless given)."""
    terminal = await terminal_of(ctx, caller)
    department = await Department.get_or_none(id=department_id).select_related("hospital")
    if department is None or department.hospital.code != terminal.institution_code:
        raise not_found("department")
    day = day or today(department.hospital.timezone)
    found = (
        await Appointment.filter(
            schedule__department_id=department_id, schedule__date=day, status__in=LISTED
        )
        .prefetch_related("slot", "schedule__doctor")
        .limit(LONGEST)
    )
    found.sort(key=_order)
    names = await _masked_names(ctx, {a.card_id for a in found})
    records = dict(
        await PatientRecord.filter(
            institution_code=terminal.institution_code, card_id__in=list(names)
        ).values_list("card_id", "patient_id")
    )
    checked_in: dict[int, int] = {}  # per schedule, how many checked-in come before
    patients = []
    for appointment in found:
        ahead = None
        if appointment.status == "checked_in":
            schedule_id = appointment.schedule_id  # type: ignore[attr-defined]
            ahead = checked_in.get(schedule_id, 0)
            checked_in[schedule_id] = ahead + 1
        patients.append(
            Waiting(
                appointment,
                names.get(appointment.card_id, "—"),
                records.get(appointment.card_id),
                ahead,
            )  # fmt: skip
        )
    return WaitingList(department, day, patients)


async def _masked_names(ctx: AppContext, card_ids: set[str]) -> dict[str, str]:
    """Each card's holder's name, masked (only the name is opened)."""
    cards = await Card.filter(card_id__in=list(card_ids)).prefetch_related("person")
    ring = ctx.keys.ring
    return {c.card_id: mask_name(ring.open(c.person.name_sealed, context=NAME)) for c in cards}
