"""Temporary cards (临时卡): a patient brought in unconscious or without papers gets a card at
the counter from name, gender and age, so that the hospital can register, bill and treat them
at once; later, when the ID document is read at a counter, the temporary card is bound to the
person's real card (found, or issued then as any counter issuance) and its patient records,
bills, registrations and reports follow it there. The temporary card is then cancelled: its
history stays, the master index files it under that person, and the platform above is told.

Only the institution that issued a temporary card sees it (another is answered 404).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from tortoise.transactions import in_transaction

from api.appointments.card_transfer import move_appointments
from api.audit import service as audit
from api.bills.card_transfer import move_bills
from api.cards import lifecycle
from api.cards.models import Card
from api.cards.service import normalise_name
from api.cards.undocumented import issue_undocumented
from api.context import AppContext
from api.counter.issuing import card_from_document
from api.counter.temporary_schemas import TemporaryBindRequest, TemporaryCardRequest
from api.errors import DomainError, not_found
from api.outbox import platform_records
from api.persons import service as persons
from api.principals import Caller
from api.reports.card_transfer import move_reports
from api.terminals.card_transfer import MovedRecord, move_patient_records
from api.terminals.service import patient_id_for, terminal_of
from api.timefmt import today

BINDABLE = ("active", "lost", "frozen")


@dataclass(frozen=True)
class BoundTemporary:
    """A temporary card joined to its holder's card, and what moved."""

    card: Card
    issued: bool
    patient_id: str
    temporary_card_id: str
    patient_records: list[MovedRecord]
    bills: int
    appointments: int
    reports: int


def birth_date_for_age(age: int, on: date) -> date:
    """A birth date giving ``age`` whole years on ``on`` (an estimate: the verify answer's age
    comes from it; the full identity of a temporary card shows no birth date)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February
        return on.replace(year=on.year - age, day=28)


async def issue_temporary(
    ctx: AppContext, caller: Caller, req: TemporaryCardRequest
) -> tuple[Card, str]:
    """Issue a temporary card at this counter; returns it (person loaded) and this
    institution's patient id, opened at once for the HIS."""
    terminal = await terminal_of(ctx, caller)
    name = normalise_name(req.name)
    born = birth_date_for_age(req.age, today(ctx.settings.timezone))
    async with in_transaction():
        card = await issue_undocumented(ctx, caller, "temporary", name=name, gender=req.gender,
                                        birth_date=born,
                                        institution_code=terminal.institution_code)  # fmt: skip
        await lifecycle.record_event(card, "temporary_issued", caller, to_status=card.status)
        await audit.record(caller, "card.temporary_issue", target_type="card",
                           target_id=card.card_id,
                           detail={"terminal_id": terminal.terminal_id})  # fmt: skip
    await card.fetch_related("person")
    patient_id = await patient_id_for(ctx, terminal.institution_code, card.card_id, card.issuer)
    return card, patient_id


async def bind_temporary(
    ctx: AppContext, caller: Caller, card_id: str, req: TemporaryBindRequest
) -> BoundTemporary:
    """Bind a temporary card of this institution to the card of the person whose document was
    read (issued now if they have none), moving its records there; the temporary card is
    cancelled. A temporary card bound already is 409 ``INVALID_STATE``."""
    terminal = await terminal_of(ctx, caller)
    temporary = await Card.get_or_none(
        card_id=card_id, kind="temporary", institution_code=terminal.institution_code
    )
    if temporary is None:
        raise not_found("temporary card")
    if temporary.status not in BINDABLE:
        raise DomainError("INVALID_STATE", "this temporary card was bound already")
    card, _, issued = await card_from_document(ctx, caller, terminal, req)
    async with lifecycle.changing(ctx, card_id):
        cancelled = await Card.filter(card_id=card_id, status__in=BINDABLE).update(
            status="cancelled"
        )
        if not cancelled:  # bound at another window a moment ago
            raise DomainError("INVALID_STATE", "this temporary card was bound already")
        records = await move_patient_records(ctx, card_id, card.card_id, card.issuer)
        bound = BoundTemporary(
            card=card, issued=issued, patient_id="", temporary_card_id=card_id,
            patient_records=records, bills=await move_bills(card_id, card.card_id),
            appointments=await move_appointments(card_id, card.card_id),
            reports=await move_reports(card_id, card.card_id),
        )  # fmt: skip
        await persons.file_under(temporary.person_id, card.person_id)  # type: ignore[attr-defined]
        await _record_binding(ctx, caller, temporary, card)
    patient_id = await patient_id_for(ctx, terminal.institution_code, card.card_id, card.issuer)
    return replace(bound, patient_id=patient_id)


async def _record_binding(ctx: AppContext, caller: Caller, temporary: Card, card: Card) -> None:
    await lifecycle.record_event(temporary, "temporary_bound", caller,
                                 from_status=temporary.status, to_status="cancelled",
                                 reason=f"bound to card {card.card_id}")  # fmt: skip
    await lifecycle.record_event(card, "temporary_joined", caller,
                                 reason=f"temporary card {temporary.card_id}")  # fmt: skip
    await platform_records.status_changed(
        ctx.settings, temporary.card_id, "bind", temporary.status, "cancelled"
    )
    await audit.record(caller, "card.temporary_bind", target_type="card",
                       target_id=temporary.card_id,
                       detail={"card_id": card.card_id})  # fmt: skip
