"""Linking a physical resident health card (the chip card) to the electronic card.

The chip card was issued after an in-person real-name check, so, as the national guide says,
its holder gets the e-card without proving their identity again: the counter reads the chip,
and the card centre finds or issues the holder's e-card and records the chip against it. A
resident who later collects the card in a mini-program finds it already proven (only their
phone is checked by SMS).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards.id_numbers import IdentityNumber, parse_id
from api.cards.identity import Identity, id_index, open_identity
from api.cards.lifecycle import record_event
from api.cards.models import BlacklistEntry, Card, Person
from api.cards.service import issue_card, normalise_name
from api.context import AppContext
from api.errors import DomainError
from api.principals import Caller

PHYSICAL = "card.physical"


@dataclass(frozen=True)
class ChipHolder:
    """What the counter read from the chip: the holder and the chip's own identifiers."""

    name: str
    id_type: str
    id_number: str
    card_issuer_code: str
    chip_serial: str
    phone: str | None = None


def physical_index(ctx: AppContext, issuer_code: str, chip_serial: str) -> str:
    """Blind index of a chip (its issuer and serial): one chip, one e-card."""
    return ctx.keys.ring.blind_index(f"{issuer_code}:{chip_serial}", context=PHYSICAL)


async def link_physical_card(
    ctx: AppContext, caller: Caller, chip: ChipHolder
) -> tuple[Card, Identity, bool]:
    """Find or issue the chip holder's e-card and record the chip on it.

    Returns the card, the holder's identity and whether the e-card was newly issued. A chip
    already linked to another person's card is refused (``PHYSICAL_CARD_CONFLICT``); a
    replacement chip for the same person replaces the old link.
    """
    parsed = parse_id(chip.id_type, chip.id_number)
    name = normalise_name(chip.name)
    idx = id_index(ctx, parsed.id_type, parsed.number)
    if await BlacklistEntry.exists(id_type=parsed.id_type, id_number_idx=idx):
        raise DomainError("BLACKLISTED", "this person may not hold a card; ask the card centre")
    chip_idx = physical_index(ctx, chip.card_issuer_code, chip.chip_serial)
    identity = Identity(name, parsed.id_type, parsed.number, chip.phone)
    try:
        return await _link(ctx, caller, identity, parsed, chip_idx)
    except IntegrityError:
        # The same person linked at two windows at once: the other one issued the card.
        return await _link(ctx, caller, identity, parsed, chip_idx)


async def _link(
    ctx: AppContext, caller: Caller, identity: Identity, parsed: IdentityNumber, chip_idx: str
) -> tuple[Card, Identity, bool]:
    idx = id_index(ctx, parsed.id_type, parsed.number)
    async with in_transaction():
        holder = await Card.get_or_none(physical_card_idx=chip_idx).select_related("person")
        person = await Person.get_or_none(id_type=parsed.id_type, id_number_idx=idx)
        if holder is not None and (person is None or holder.person_id != person.id):
            raise DomainError(
                "PHYSICAL_CARD_CONFLICT", "this chip card is linked to another person's card"
            )
        if person is not None and open_identity(ctx, person).name != identity.name:
            raise DomainError("REALNAME_MISMATCH", "the chip's name does not match its ID number")
        card = await Card.get(person=person) if person is not None else None
        created = card is None
        if card is None:
            card = await issue_card(ctx, caller, identity, parsed)
            card.institution_code = caller.attrs.get("institution_code")
        if card.physical_card_idx == chip_idx and not created:
            return card, identity, False
        card.physical_card_idx = chip_idx
        await card.save(update_fields=["physical_card_idx", "institution_code"])
        await record_event(card, "physical_linked", caller, to_status=card.status)
        await audit.record(
            caller,
            "card.link_physical",
            target_type="card",
            target_id=card.card_id,
            detail={"issued": created},
        )
    return card, identity, created
