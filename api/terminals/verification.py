"""One verification path for every terminal call: parse → issuer → local or forwarded →
MAC/TOTP → consume (one atomic Redis step) → card status → identity."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from api.cards import qr
from api.cards.identity import Identity, open_identity
from api.cards.models import Card
from api.cards.service import TOTP_CONTEXT
from api.context import AppContext
from api.errors import DomainError
from api.kv import key
from api.masking import mask_id_number
from api.terminals import peers

STATUS_ERRORS = {"lost": "CARD_LOST", "frozen": "CARD_FROZEN", "cancelled": "CARD_CANCELLED"}


@dataclass(frozen=True)
class VerifiedCard:
    """Who the scanned code belongs to, as a terminal may see it (name in full)."""

    card_id: str
    issuer: str
    name: str
    gender: str
    birth_date: date | None
    id_number_masked: str
    status: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (for peer answers)."""
        return {
            "card_id": self.card_id,
            "issuer": self.issuer,
            "name": self.name,
            "gender": self.gender,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "id_number_masked": self.id_number_masked,
            "status": self.status,
        }


def refuse_unusable(status: str) -> None:
    """``CARD_LOST`` / ``CARD_FROZEN`` / ``CARD_CANCELLED`` for a card that may not be used."""
    if status in STATUS_ERRORS:
        raise DomainError(STATUS_ERRORS[status], f"this card is {status}")


async def _consume(ctx: AppContext, parsed: qr.DynamicCode, now: int) -> None:
    # SET NX, kept until the code expires: the first verification wins, later ones are replays.
    name = key("qr-used", f"ref:{parsed.ref}", parsed.nonce)
    if not await ctx.kv.claim(name, max(1, parsed.expires_at - now) + qr.CLOCK_SKEW):
        raise DomainError("QR_REPLAYED", "this code has already been used; refresh it")


async def verify_local(ctx: AppContext, payload: qr.DynamicCode | qr.StaticCode) -> VerifiedCard:
    """Verify one of our own codes and consume it if dynamic."""
    card = await Card.get_or_none(static_ref=payload.ref).select_related("person")
    if card is None:
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    if isinstance(payload, qr.DynamicCode):
        now = int(time.time())
        secret = ctx.keys.ring.open(card.totp_secret_sealed, context=TOTP_CONTEXT)
        qr.check_dynamic(payload, secret, now)
        await _consume(ctx, payload, now)
    else:
        qr.check_static(payload, ctx.keys.issuer_key)
    refuse_unusable(card.status)
    return verified_card(card, open_identity(ctx, card.person))


def verified_card(card: Card, identity: Identity) -> VerifiedCard:
    """What a terminal may see of ``card`` (its person loaded) and its holder."""
    return VerifiedCard(
        card_id=card.card_id,
        issuer=card.issuer,
        name=identity.name,
        gender=card.person.gender,
        birth_date=card.person.birth_date,
        id_number_masked=mask_id_number(identity.id_number),
        status=card.status,
    )


async def verify_any(
    ctx: AppContext, text: str, scene: str, institution_code: str, terminal_id: str
) -> VerifiedCard:
    """Verify a scanned payload, here or at its issuer's card centre."""
    payload = qr.parse(text)
    if payload.issuer == ctx.settings.issuer:
        return await verify_local(ctx, payload)
    answer = await peers.forward_verify(
        ctx, payload.issuer, text, scene, institution_code, terminal_id
    )
    return VerifiedCard(
        card_id=answer["card_id"],
        issuer=answer["issuer"],
        name=answer["name"],
        gender=answer["gender"],
        birth_date=date.fromisoformat(answer["birth_date"]) if answer.get("birth_date") else None,
        id_number_masked=answer["id_number_masked"],
        status=answer["status"],
    )
