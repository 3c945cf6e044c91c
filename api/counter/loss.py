"""Reporting a card lost at the counter on its holder's behalf: the holder shows their ID
document, and the card is the one issued to that document (else 404: a terminal learns nothing
of a card it cannot prove is the holder's)."""

from __future__ import annotations

from api.cards.id_numbers import parse_id
from api.cards.identity import id_index
from api.cards.lifecycle import change_status
from api.cards.models import Card
from api.context import AppContext
from api.errors import not_found
from api.principals import Caller
from api.terminals.service import terminal_of


async def report_loss_for_holder(
    ctx: AppContext, caller: Caller, card_id: str, id_type: str, id_number: str
) -> Card:
    """Mark the card lost (terminals refuse it until the holder restores it)."""
    await terminal_of(ctx, caller)
    parsed = parse_id(id_type, id_number)
    card = await Card.get_or_none(card_id=card_id).select_related("person")
    if card is None or card.person.id_number_idx != id_index(ctx, parsed.id_type, parsed.number):
        raise not_found("card")
    return await change_status(
        ctx, card, "report_loss", caller, reason="reported at the counter by the holder"
    )
