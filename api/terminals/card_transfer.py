"""Moving an institution's patient records from one card to another: a temporary card bound
to its holder's real card takes its patient ids along (the hospital's files stay one patient).

An institution where the real card has a record already keeps that one: the temporary card's
record stays where it was, and the caller tells the hospital to join its two files.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.context import AppContext
from api.terminals.models import PatientRecord


@dataclass(frozen=True)
class MovedRecord:
    """One patient record of the card moved from, and whether it moved."""

    institution_code: str
    patient_id: str
    moved: bool


async def move_patient_records(
    ctx: AppContext, from_card: str, to_card: str, issuer: str
) -> list[MovedRecord]:
    """Re-file ``from_card``'s patient records under ``to_card`` (call inside a transaction)."""
    records = await PatientRecord.filter(card_id=from_card).order_by("id")
    taken = set(
        await PatientRecord.filter(
            card_id=to_card, institution_code__in=[r.institution_code for r in records]
        ).values_list("institution_code", flat=True)
    )
    result = []
    for record in records:
        moved = record.institution_code not in taken
        if moved:
            await PatientRecord.filter(id=record.id).update(card_id=to_card, issuer=issuer)
            ctx.cache.pop(("patient", record.institution_code, from_card))
        result.append(MovedRecord(record.institution_code, record.patient_id, moved))
    return result
