"""A card's bindings: the resident accounts that hold it, as its holders see them.

Every holder sees every binding (where it is, since when, which one is theirs). The holder
(the binding with ``relation: "self"``, or the oldest when no one holds it as their own) may
remove anyone else's: a card bound by someone who should not have it is taken back. Every new
binding tells the card's other accounts (event ``card_bound``, through the outbox), so that the
holder learns of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from api.audit import service as audit
from api.cards import lifecycle
from api.cards.models import Card, CardBinding
from api.channels.models import ChannelIdentity
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox.service import enqueue
from api.principals import Caller


@dataclass(frozen=True)
class Binding:
    """One account holding the card."""

    binding_id: int
    channel: str | None
    since: datetime
    current: bool


def holder_of(rows: list[CardBinding]) -> CardBinding | None:
    """The holder's binding: the ``self`` one, else the oldest."""
    ordered = sorted(rows, key=lambda b: b.id)
    own = [b for b in ordered if b.relation == "self"]
    return (own or ordered or [None])[0]


async def _channels(user_ids: list[str]) -> dict[str, str]:
    rows = await ChannelIdentity.filter(user_id__in=user_ids).order_by("id")
    found: dict[str, str] = {}
    for row in rows:
        found.setdefault(row.user_id, row.scope.split(":", 1)[0])  # type: ignore[attr-defined]
    return found


async def _rows_for_holder(caller: Caller, card_id: str) -> list[CardBinding]:
    rows = await CardBinding.filter(card_id=card_id).order_by("id")
    if not any(b.user_id == caller.id for b in rows):
        raise not_found("card")
    return list(rows)


async def of_card(caller: Caller, card_id: str) -> list[Binding]:
    """Every binding of one of the caller's cards, oldest first."""
    rows = await _rows_for_holder(caller, card_id)
    channels = await _channels([b.user_id for b in rows])
    return [
        Binding(b.id, channels.get(b.user_id), b.created_at, b.user_id == caller.id) for b in rows
    ]


async def remove(ctx: AppContext, caller: Caller, card_id: str, binding_id: int) -> None:
    """The holder takes the card back from another account."""
    rows = await _rows_for_holder(caller, card_id)
    target = next((b for b in rows if b.id == binding_id), None)
    if target is None:
        raise not_found("binding")
    holder = holder_of(rows)
    if holder is None or holder.user_id != caller.id:
        raise DomainError("FORBIDDEN", "only the card's holder removes other accounts")
    if target.user_id == caller.id:
        raise DomainError("INVALID_STATE", "this is your own binding: unbind the card instead")
    card = await Card.get(card_id=card_id)
    async with lifecycle.changing(ctx, card_id):
        await CardBinding.filter(id=binding_id).delete()
        await lifecycle.record_event(card, "binding_removed", caller)
        await audit.record(
            caller,
            "card.binding_remove",
            target_type="card",
            target_id=card_id,
            detail={"binding_id": binding_id},
        )


async def tell_others(card_id: str, caller: Caller) -> None:
    """Event ``card_bound`` to every other account holding the card (call in the binding's
    transaction)."""
    others = await CardBinding.filter(card_id=card_id).exclude(user_id=caller.id)
    payload = {
        "channel": caller.attrs.get("channel"),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for binding in others:
        await enqueue("card_bound", binding.user_id, payload, card_id=card_id)
