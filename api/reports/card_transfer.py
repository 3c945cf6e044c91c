"""Moving a card's reports to another card: a temporary card bound to its holder's real card
hands its reports over, so that the holder reads them in the mini-program."""

from __future__ import annotations

from api.reports.models import Report


async def move_reports(from_card: str, to_card: str) -> int:
    """Re-file every report of ``from_card`` under ``to_card`` (call inside a transaction);
    returns how many moved."""
    return await Report.filter(card_id=from_card).update(card_id=to_card)
