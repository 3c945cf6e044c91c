"""An institution's existing patient ids, linked to cards in bulk (a hospital bringing its
patients onto the card): the record verification would otherwise make at first use
(``service.patient_id_for``) is made now, under the hospital's own id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from api.batch_writer import copy_values
from api.terminals.models import PatientRecord


@dataclass(frozen=True)
class Link:
    """This institution's patient ``patient_id`` is the holder of ``card_id``."""

    institution_code: str
    card_id: str
    issuer: str
    patient_id: str


async def link_all(links: list[Link]) -> list[str | None]:
    """Make the missing records; per link: None when made, "unchanged" when it was there, or
    why it cannot be made."""
    # patient ids taken, and (institution, card) → patient id: both unique
    taken = set(
        await PatientRecord.filter(patient_id__in=[x.patient_id for x in links]).values_list(
            "patient_id", flat=True
        )
    )
    by_card: dict[tuple[str, str], str] = {}
    for code in {x.institution_code for x in links}:  # (institution, card) is the index
        cards = [x.card_id for x in links if x.institution_code == code]
        rows = await PatientRecord.filter(institution_code=code, card_id__in=cards).values_list(
            "card_id", "patient_id"
        )
        by_card.update({(code, card): pid for card, pid in rows})
    outcome: list[str | None] = []
    new: list[dict[str, object]] = []
    now = datetime.now(UTC)
    for link in links:
        mine = by_card.get((link.institution_code, link.card_id))
        if mine is not None:
            outcome.append(
                "unchanged" if mine == link.patient_id
                else f"this person is already patient {mine} here"
            )  # fmt: skip
        elif link.patient_id in taken:
            outcome.append(f"patient id {link.patient_id} already names another person")
        else:
            new.append({"institution_code": link.institution_code, "card_id": link.card_id,
                        "issuer": link.issuer, "patient_id": link.patient_id,
                        "created_at": now})  # fmt: skip
            by_card[(link.institution_code, link.card_id)] = link.patient_id
            taken.add(link.patient_id)
            outcome.append(None)
    if new:
        await copy_values(PatientRecord, new)
    return outcome
