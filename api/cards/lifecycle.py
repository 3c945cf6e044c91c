"""The card lifecycle: the statuses a card moves through (:data:`TRANSITIONS`), which of them
may be used (:func:`refuse_unusable`), each change recorded with who and when
(:func:`change_status`, :func:`record_event`), and the mirror of that state in the store.

The mirror: what may change about a card (status, QR reference, display mode, holders),
copied from the database into Redis so that the QR hot paths read it in the round trip they
make anyway, and every worker and instance sees a change at once.

The database stays the source of truth. A miss is filled from it; every change deletes the copy
and advances a generation counter, inside the changing transaction and again after its commit,
and a fill that read an older generation is refused, so a fill racing a change never leaves the
old state behind. The copy also expires (``STATE_TTL``) as a last resort.

On the embedded defaults the copy lives in the in-process store, like single-use codes and
sessions: a second process on the same database file does not see it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards.models import BlacklistEntry, Card, CardBinding, CardEvent, Person
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.outbox import platform_records
from api.principals import Caller

# Lifecycle: action → (statuses it may start from, status it ends in)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "report_loss": (("active",), "lost"),
    "restore": (("lost",), "active"),
    "freeze": (("active", "lost"), "frozen"),
    "unfreeze": (("frozen",), "active"),
    "cancel": (("active", "lost", "frozen"), "cancelled"),
}
# The statuses in which a card may not be used (no code issued, verified or booked with).
STATUS_ERRORS = {"lost": "CARD_LOST", "frozen": "CARD_FROZEN", "cancelled": "CARD_CANCELLED"}

STATE_TTL = 600
GENERATION_TTL = 2 * STATE_TTL  # outlives any copy filled under it


def refuse_unusable(status: str) -> None:
    """``CARD_LOST`` / ``CARD_FROZEN`` / ``CARD_CANCELLED`` for a card that may not be used."""
    if status in STATUS_ERRORS:
        raise DomainError(STATUS_ERRORS[status], f"this card is {status}")


@dataclass(frozen=True)
class CardState:
    """A card's changing state, as every worker sees it."""

    status: str
    ref: str
    display_mode: str
    holders: tuple[str, ...]
    # The holder is on the blacklist: the card is refused wherever it is used (BLACKLISTED).
    barred: bool = False

    def encode(self) -> str:
        """Compact JSON for the store."""
        fields = [self.status, self.ref, self.display_mode, list(self.holders)]
        return json.dumps(fields + [1] if self.barred else fields, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> CardState:
        """The state :meth:`encode` wrote."""
        status, ref, mode, holders, *barred = json.loads(raw)
        return cls(status, ref, mode, tuple(holders), bool(barred))


def state_key(card_id: str) -> str:
    """Where the copy lives (hash tag ``card:<id>``, shared with the card's used QR codes)."""
    return key("card", f"card:{card_id}", "state")


def _generation_key(card_id: str) -> str:
    return key("card", f"card:{card_id}", "gen")


async def load(ctx: AppContext, card_id: str) -> CardState | None:
    """Read the state from the database and mirror it; None for an unknown card."""
    seen = await ctx.kv.get(_generation_key(card_id))
    card = await Card.get_or_none(card_id=card_id).only(
        "status", "static_ref", "display_mode", "person_id"
    )
    if card is None:
        return None
    holders = await CardBinding.filter(card_id=card_id).values_list("user_id", flat=True)
    person = await Person.get(id=card.person_id).only("id_type", "id_number_idx")
    barred = await BlacklistEntry.exists(id_type=person.id_type, id_number_idx=person.id_number_idx)
    state = CardState(
        card.status, card.static_ref, card.display_mode, tuple(sorted(holders)), barred
    )
    await ctx.kv.set_if_unchanged(
        state_key(card_id), state.encode(), STATE_TTL, guard=_generation_key(card_id), seen=seen
    )
    return state


async def of_holder(
    ctx: AppContext, caller: Caller, card_id: str, *, epoch_from: int | None = None
) -> CardState:
    """The state of one of the caller's cards (anyone else's is 404), read in one round trip
    with the caller's token check when the route folds it; with ``epoch_from`` (a second), the
    store epoch is started then if the store has none (api/kv.py)."""
    check = caller.token_check
    trip = ctx.kv.trip()
    alive = check.ride(trip) if check else 0
    if epoch_from is not None:
        trip.epoch(epoch_from)
    at = trip.get(state_key(card_id))
    answers = await trip.send()
    if check:
        check.settle(answers[alive])
    raw = answers[at]
    state = CardState.decode(raw) if raw else await load(ctx, card_id)
    if state is None or caller.id not in state.holders:
        raise not_found("card")
    return state


def refuse_barred(state: CardState) -> None:
    """403 ``BLACKLISTED`` for the card of a person on the blacklist."""
    if state.barred:
        raise DomainError("BLACKLISTED", "this person's card may not be used; ask the card centre")


async def current(ctx: AppContext, card_id: str) -> CardState | None:
    """A card's state: the copy in one read, or the database on a miss."""
    raw = await ctx.kv.get(state_key(card_id))
    return CardState.decode(raw) if raw else await load(ctx, card_id)


async def forget(ctx: AppContext, card_id: str) -> None:
    """Drop the copy: the card's state has changed (or is about to)."""
    await ctx.kv.forget(state_key(card_id), _generation_key(card_id), GENERATION_TTL)


@asynccontextmanager
async def changing(ctx: AppContext, card_id: str) -> AsyncIterator[None]:
    """A transaction that changes a card's state. The copy is dropped before the commit (so a
    store that cannot be reached stops the change) and after it (so a fill that read the
    database in between does not outlive the change)."""
    async with in_transaction():
        yield
        await forget(ctx, card_id)
    await forget(ctx, card_id)


async def record_event(
    card: Card,
    action: str,
    who: Caller,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
) -> None:
    """Add a line to the card's history."""
    await CardEvent.create(
        card=card,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_type=who.kind,
        actor_id=str(who.attrs.get("username", who.id)),
        reason=reason,
    )


async def change_status(
    ctx: AppContext, card: Card, action: str, who: Caller, reason: str | None = None
) -> Card:
    """Move a card through its lifecycle, recorded with who and when.

    The update is conditional on the current status, so two simultaneous changes cannot both
    apply. Restoring after a loss rotates the static reference: a printed code that was lost
    with the card stops working.
    """
    allowed, target = TRANSITIONS[action]
    changes: dict[str, str] = {"status": target}
    if action == "restore":
        changes["static_ref"] = secrets.token_hex(8)
    async with changing(ctx, card.card_id):
        updated = await Card.filter(card_id=card.card_id, status__in=allowed).update(**changes)
        if not updated:
            raise DomainError("INVALID_STATE", f"a {card.status} card cannot be {action}")
        await record_event(
            card, action, who, from_status=card.status, to_status=target, reason=reason
        )
        await platform_records.status_changed(
            ctx.settings, card.card_id, action, card.status, target
        )
        await audit.record(who, f"card.{action}", target_type="card", target_id=card.card_id)
    await card.refresh_from_db()
    return card
