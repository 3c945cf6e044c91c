"""Cards a hospital brings for its existing patients (bulk import): each person gets their one
card, ``pending_activation`` and bound to nobody, until the resident collects it through the
ordinary proofs (``service.collect``), which activates it. A person who already holds a card
keeps it as it is.

Where the person and card count (``region_code``, for the indicators and the region admins'
scope) is set as for a card collected through a channel: the region the ID number names; a
document that names none (a passport, a permit) takes the importing hospital's region.

Made in batches: one query finds who exists (person and card joined, by the whole unique index
``(id_type, id index)``), and one parameterised insert per table makes the rest, from plain
values rather than model instances (a batch of 500 costs a few milliseconds of ORM instead of
tens).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from api.batch_writer import copy_values
from api.cards import qr
from api.cards.id_numbers import IdentityNumber, home_region
from api.cards.identity import Identity, id_index, sealed_fields
from api.cards.models import Card, CardEvent, Person
from api.context import AppContext

PENDING = "pending_activation"
TOTP_CONTEXT = "card.totp"  # as service.TOTP_CONTEXT

Key = tuple[str, str]  # (id_type, id index): a person


@dataclass(frozen=True)
class Newcomer:
    """A person as a hospital knows them, checked and normalised."""

    identity: Identity
    parsed: IdentityNumber
    hospital_region: str | None = None  # the importing hospital's region, when registered

    @property
    def regions(self) -> tuple[str | None, str | None]:
        """(the person's region, the card's): the ID number's, as for a card collected through
        a channel; the hospital's where the document names no region."""
        if self.parsed.region is None:
            return self.hospital_region, self.hospital_region
        return self.parsed.region, home_region(self.parsed)


@dataclass(frozen=True)
class PendingCard:
    """A person's card as the import sees it."""

    card_id: str
    issuer: str
    made: bool  # made by this call


def key_of(ctx: AppContext, person: Newcomer) -> Key:
    """The person's unique key."""
    return person.parsed.id_type, id_index(ctx, person.parsed.id_type, person.parsed.number)


async def cards_for(ctx: AppContext, people: list[Newcomer], actor: str) -> list[PendingCard]:
    """Each person's card, in the order given (made pending where they have none; a person
    named twice gets the same card)."""
    keys = [key_of(ctx, p) for p in people]
    wanted = dict(zip(keys, people, strict=True))
    found = await _existing(list(wanted))
    missing = {k: p for k, p in wanted.items() if k not in found}
    if missing:
        found.update(await _make(ctx, missing, actor))
    return [found[k] for k in keys]


async def _make(
    ctx: AppContext, missing: dict[Key, Newcomer], actor: str
) -> dict[Key, PendingCard]:
    now = datetime.now(UTC)
    async with in_transaction():
        await copy_values(Person, [
            {**sealed_fields(ctx, p.identity), "gender": p.parsed.gender,
             "birth_date": p.parsed.birth_date, "region_code": p.regions[0], "created_at": now}
            for p in missing.values()
        ])  # fmt: skip
        ids = await _person_ids(list(missing))
        cards = {k: _pending_card(ctx, ids[k], p.regions[1], now) for k, p in missing.items()}
        await copy_values(Card, list(cards.values()))
        await copy_values(CardEvent, [
            {"card_id": c["card_id"], "action": "imported", "to_status": PENDING,
             "actor_type": "admin", "actor_id": actor[:64], "at": now}
            for c in cards.values()
        ])  # fmt: skip
    return {k: PendingCard(c["card_id"], c["issuer"], True) for k, c in cards.items()}


def _pending_card(
    ctx: AppContext, person_id: int, region: str | None, now: datetime
) -> dict[str, Any]:
    totp = qr.new_card_secret()
    return {
        "card_id": secrets.token_hex(32), "person_id": person_id, "issuer": ctx.settings.issuer,
        "static_ref": secrets.token_hex(8), "status": PENDING, "region_code": region,
        "totp_secret_sealed": ctx.keys.ring.seal(totp, context=TOTP_CONTEXT),
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _by_type(keys: list[Key]) -> dict[str, list[str]]:
    """The id indexes asked for, per id type ((id_type, index) is the unique index: use both)."""
    grouped: dict[str, list[str]] = {}
    for id_type, idx in keys:
        grouped.setdefault(id_type, []).append(idx)
    return grouped


async def _person_ids(keys: list[Key]) -> dict[Key, int]:
    found: dict[Key, int] = {}
    for id_type, idxs in _by_type(keys).items():
        rows = await Person.filter(id_type=id_type, id_number_idx__in=idxs).values_list(
            "id", "id_number_idx"
        )
        found.update({(id_type, idx): pid for pid, idx in rows})
    return found


async def _existing(keys: list[Key]) -> dict[Key, PendingCard]:
    """The cards these people already have (one joined query per id type)."""
    found: dict[Key, PendingCard] = {}
    for id_type, idxs in _by_type(keys).items():
        rows = await Card.filter(
            person__id_type=id_type, person__id_number_idx__in=idxs
        ).values_list("card_id", "issuer", "person__id_number_idx")
        found.update({(id_type, idx): PendingCard(cid, issuer, False) for cid, issuer, idx in rows})
    return found
