"""Cards a hospital brings for its existing patients (bulk import): each person gets their one
card, ``pending_activation`` and bound to nobody, until the resident collects it through the
ordinary proofs (``service.collect``), which activates it. A person who already holds a card
keeps it as it is.

Made in batches: one query finds who exists, one insert makes the rest."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pyotp
from tortoise.transactions import in_transaction

from api.cards.id_numbers import IdentityNumber
from api.cards.identity import Identity, id_index, sealed_fields
from api.cards.models import Card, CardEvent, Person
from api.context import AppContext

PENDING = "pending_activation"
TOTP_CONTEXT = "card.totp"  # as service.TOTP_CONTEXT


@dataclass(frozen=True)
class Newcomer:
    """A person as a hospital knows them, checked and normalised."""

    identity: Identity
    parsed: IdentityNumber


async def cards_for(
    ctx: AppContext, people: list[Newcomer], actor: str
) -> dict[tuple[str, str], tuple[str, str, bool]]:
    """Each person's card (made pending where they have none): (id_type, id index) →
    (card id, issuer, made now)."""
    wanted = {(p.parsed.id_type, id_index(ctx, p.parsed.id_type, p.parsed.number)): p
              for p in people}  # fmt: skip
    found = await _existing(wanted)
    missing = {k: p for k, p in wanted.items() if k not in found}
    if missing:
        async with in_transaction():
            await Person.bulk_create([
                Person(**sealed_fields(ctx, p.identity), gender=p.parsed.gender,
                       birth_date=p.parsed.birth_date)
                for p in missing.values()
            ])  # fmt: skip
            ids = await _person_ids(list(missing))
            cards = [_pending_card(ctx, ids[k]) for k in missing]
            await Card.bulk_create(cards)
            await CardEvent.bulk_create([
                CardEvent(card_id=c.card_id, action="imported", to_status=PENDING,
                          actor_type="admin", actor_id=actor[:64])
                for c in cards
            ])  # fmt: skip
        for k, card in zip(missing, cards, strict=True):
            found[k] = (card.card_id, card.issuer, True)
    return found


def _pending_card(ctx: AppContext, person_id: int) -> Card:
    return Card(
        card_id=secrets.token_hex(32), person_id=person_id, issuer=ctx.settings.issuer,
        static_ref=secrets.token_hex(8), status=PENDING,
        totp_secret_sealed=ctx.keys.ring.seal(pyotp.random_base32(32), context=TOTP_CONTEXT),
    )  # fmt: skip


async def _person_ids(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for id_type in {t for t, _ in keys}:  # (id_type, index) is the unique index: use both
        rows = await Person.filter(
            id_type=id_type, id_number_idx__in=[idx for t, idx in keys if t == id_type]
        ).values_list("id", "id_number_idx")
        found.update({(id_type, idx): pid for pid, idx in rows})
    return found


async def _existing(
    wanted: dict[tuple[str, str], Newcomer],
) -> dict[tuple[str, str], tuple[str, str, bool]]:
    ids = await _person_ids(list(wanted))
    ids = {k: v for k, v in ids.items() if k in wanted}
    by_person = {v: k for k, v in ids.items()}
    rows = await Card.filter(person_id__in=list(by_person)).values_list(
        "card_id", "issuer", "person_id"
    )
    return {by_person[pid]: (card_id, issuer, False) for card_id, issuer, pid in rows}
