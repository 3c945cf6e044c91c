"""Card material: what never changes about a card once issued (its issuer, TOTP secret and
holder's fixed particulars), kept per worker in the bounded in-process cache so that the QR
hot paths neither query the database nor unseal the secret on every call.

What may change (status, QR reference, holders) is never taken from here: it comes from the
card state mirror (``api.cards.lifecycle``) on every call. Only the masked name is kept here
(made once, when the material is cached): the full name is read from the database, and opened,
only for the answer that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from api.cards import qr
from api.cards.identity import ID_NUMBER, NAME
from api.cards.models import Card
from api.cards.service import TOTP_CONTEXT
from api.context import AppContext
from api.masking import mask_id_number, mask_name


@dataclass(frozen=True)
class CardMaterial:
    """A card's fixed particulars, as the QR paths need them."""

    card_id: str
    issuer: str
    kind: str  # changes only with new code material (a newborn card's upgrade)
    ref: str  # the QR reference this material was read with (a replaced card has a new one)
    totp_key: bytes
    gender: str
    birth_date: date | None
    name_masked: str
    id_number_masked: str


def knows_ref(ctx: AppContext, ref: str) -> bool:
    """True when this worker has the card behind ``ref`` at hand (no database read needed)."""
    return ctx.cache.get(("card-ref", ref)) is not None


async def by_ref(ctx: AppContext, ref: str) -> CardMaterial | None:
    """The card a QR reference names (the reference it had when cached: the caller checks it
    against the card's state), or None when no card has it."""
    cached = ctx.cache.get(("card-ref", ref))
    if cached is not None:
        return cached
    card = await Card.get_or_none(static_ref=ref).select_related("person")
    return _remember(ctx, card) if card else None


async def by_id(ctx: AppContext, card_id: str, ref: str | None = None) -> CardMaterial | None:
    """A card's material by id, or None for an unknown card. With ``ref`` (the reference in
    the card's state), material cached under an older reference (before a replacement gave
    the card new code material) is read again."""
    cached = ctx.cache.get(("card", card_id))
    if cached is not None and (ref is None or cached.ref == ref):
        return cached
    card = await Card.get_or_none(card_id=card_id).select_related("person")
    return _remember(ctx, card) if card else None


def forget_ref(ctx: AppContext, ref: str) -> None:
    """A reference that was rotated away: stop resolving it here."""
    ctx.cache.pop(("card-ref", ref))


def _remember(ctx: AppContext, card: Card) -> CardMaterial:
    ring = ctx.keys.ring
    person = card.person
    material = CardMaterial(
        card_id=card.card_id,
        issuer=card.issuer,
        kind=card.kind,
        ref=card.static_ref,
        totp_key=qr.card_key(ring.open(card.totp_secret_sealed, context=TOTP_CONTEXT)),
        gender=person.gender,
        birth_date=person.birth_date,
        name_masked=mask_name(ring.open(person.name_sealed, context=NAME)),
        id_number_masked=mask_id_number(ring.open(person.id_number_sealed, context=ID_NUMBER)),
    )
    ctx.cache.put(("card", card.card_id), material)
    ctx.cache.put(("card-ref", card.static_ref), material)
    return material
