"""An institution's existing patient ids, linked to cards in bulk (a hospital bringing its
patients onto the card): the record verification would otherwise make at first use
(``service.patient_id_for``) is made now, under the hospital's own id."""

from __future__ import annotations

from dataclasses import dataclass

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
    by_id = {
        r.patient_id: r
        for r in await PatientRecord.filter(patient_id__in=[x.patient_id for x in links])
    }
    by_card: dict[tuple[str, str], PatientRecord] = {}
    for code in {x.institution_code for x in links}:  # (institution, card) is the index
        cards = [x.card_id for x in links if x.institution_code == code]
        for r in await PatientRecord.filter(institution_code=code, card_id__in=cards):
            by_card[(code, r.card_id)] = r
    outcome: list[str | None] = []
    new: list[PatientRecord] = []
    for link in links:
        mine = by_card.get((link.institution_code, link.card_id))
        taken = by_id.get(link.patient_id)
        if mine is not None:
            outcome.append(
                "unchanged" if mine.patient_id == link.patient_id
                else f"this person is already patient {mine.patient_id} here"
            )  # fmt: skip
        elif taken is not None:
            outcome.append(f"patient id {link.patient_id} already names another person")
        else:
            record = PatientRecord(
                institution_code=link.institution_code, card_id=link.card_id,
                issuer=link.issuer, patient_id=link.patient_id,
            )  # fmt: skip
            new.append(record)
            by_card[(link.institution_code, link.card_id)] = record
            by_id[link.patient_id] = record
            outcome.append(None)
    if new:
        await PatientRecord.bulk_create(new)
    return outcome
