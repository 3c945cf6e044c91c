"""Moving a card's HIS bills to another card: a temporary card bound to its holder's real card
hands its bills over, so that the holder sees and pays them in the mini-program."""

from __future__ import annotations

from api.bills.models import Bill


async def move_bills(from_card: str, to_card: str) -> int:
    """Re-file every bill of ``from_card`` under ``to_card`` (call inside a transaction);
    returns how many moved. Each keeps the patient id it was posted with."""
    return await Bill.filter(card_id=from_card).update(card_id=to_card)
