"""Issuing a card at the hospital counter from the holder's ID document.

The document read at the counter is the proof: the clerk saw the person and the ID reader read
the document's chip (``id_reader``), so no SMS and no register check are needed, as for a chip
health card. A document typed in by hand (``manual``) is accepted too, but then the identity
register must confirm name and number; either way the source and the terminal are recorded on
the card's history and in the audit trail.

One person, one card: a person who already holds a card gets that card back, bound to nobody
new (no resident account is involved at a counter).
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards.id_numbers import IdentityNumber, parse_id
from api.cards.identity import Identity, id_index, open_identity
from api.cards.lifecycle import record_event
from api.cards.models import BlacklistEntry, Card, Person
from api.cards.service import issue_card, normalise_name
from api.context import AppContext
from api.counter.schemas import CounterCardRequest
from api.errors import DomainError
from api.principals import Caller
from api.terminals.models import Terminal
from api.terminals.service import patient_id_for, terminal_of


async def issue_at_counter(
    ctx: AppContext, caller: Caller, req: CounterCardRequest
) -> tuple[Card, Identity, bool, str]:
    """Find or issue the card of the person whose document was presented at the counter.

    Returns the card (person loaded), the holder's identity, whether it was issued now and the
    institution's patient id.
    """
    terminal = await terminal_of(ctx, caller)
    card, identity, created = await card_from_document(ctx, caller, terminal, req)
    patient_id = await patient_id_for(ctx, terminal.institution_code, card.card_id, card.issuer)
    return card, identity, created, patient_id


async def card_from_document(
    ctx: AppContext, caller: Caller, terminal: Terminal, req: CounterCardRequest
) -> tuple[Card, Identity, bool]:
    """The card (person loaded) of the person whose document was presented, issued now when
    they have none, the holder's identity and whether it was issued now."""
    parsed = parse_id(req.id_type, req.id_number)
    identity = Identity(normalise_name(req.name), parsed.id_type, parsed.number, req.phone)
    idx = id_index(ctx, parsed.id_type, parsed.number)
    if await BlacklistEntry.exists(id_type=parsed.id_type, id_number_idx=idx):
        raise DomainError("BLACKLISTED", "this person may not hold a card; ask the card centre")
    await _check_document(ctx, identity, idx, req.document_source)
    try:
        card, created = await _find_or_issue(ctx, caller, terminal, identity, parsed, req)
    except IntegrityError:  # the same person at two windows at once: the other one issued it
        card, created = await _find_or_issue(ctx, caller, terminal, identity, parsed, req)
    await card.fetch_related("person")
    return card, identity, created


async def _check_document(ctx: AppContext, identity: Identity, idx: str, source: str) -> None:
    person = await Person.get_or_none(id_type=identity.id_type, id_number_idx=idx)
    if person is not None:
        # Proven once already: the name must be the one proven then, whatever the source.
        if open_identity(ctx, person).name != identity.name:
            raise DomainError("REALNAME_MISMATCH", "name and ID number do not match")
        return
    if source != "manual":
        return  # the ID card read at the counter is the proof
    if not (await ctx.adapters.identity.check(identity.name, identity.id_number)).identity:
        raise DomainError("REALNAME_MISMATCH", "name and ID number do not match")


async def _find_or_issue(
    ctx: AppContext,
    caller: Caller,
    terminal: Terminal,
    identity: Identity,
    parsed: IdentityNumber,
    req: CounterCardRequest,
) -> tuple[Card, bool]:
    idx = id_index(ctx, parsed.id_type, parsed.number)
    detail = {"document_source": req.document_source, "terminal_id": terminal.terminal_id}
    async with in_transaction():
        person = await Person.get_or_none(id_type=parsed.id_type, id_number_idx=idx)
        card = await Card.get_or_none(person=person) if person is not None else None
        if card is not None:
            await audit.record(caller, "card.counter_found", target_type="card",
                               target_id=card.card_id, detail=detail)  # fmt: skip
            return card, False
        card = await issue_card(ctx, caller, identity, parsed)
        card.institution_code = terminal.institution_code
        await card.save(update_fields=["institution_code"])
        await record_event(card, "counter_issued", caller, to_status=card.status,
                           reason=f"document: {req.document_source}")  # fmt: skip
        await audit.record(caller, "card.counter_issue", target_type="card",
                           target_id=card.card_id, detail=detail)  # fmt: skip
    return card, True
