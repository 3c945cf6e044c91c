"""How cards leave the API: masked, times in the card centre's zone."""

from __future__ import annotations

from api.cards.identity import open_identity
from api.cards.models import Card
from api.cards.schemas import AdminCardOut, CardOut
from api.cards.service import HeldCard
from api.context import AppContext
from api.masking import mask_id_number, mask_name
from api.timefmt import local


def card_out(ctx: AppContext, held: HeldCard) -> CardOut:
    """A card as its holder sees it."""
    card = held.card
    identity = open_identity(ctx, card.person)
    return CardOut(
        card_id=card.card_id,
        issuer=card.issuer,
        status=card.status,
        kind=card.kind,
        name_masked=mask_name(identity.name),
        id_number_masked=mask_id_number(identity.id_number),
        relation=held.relation,
        display_mode=card.display_mode,
        created_at=local(card.created_at, ctx.settings.timezone),
    )


async def admin_card_out(ctx: AppContext, card: Card) -> AdminCardOut:
    """A card as the card centre sees it (still masked: a full read is a separate, audited act)."""
    identity = open_identity(ctx, card.person)
    return AdminCardOut(
        card_id=card.card_id,
        issuer=card.issuer,
        status=card.status,
        kind=card.kind,
        name_masked=mask_name(identity.name),
        id_number_masked=mask_id_number(identity.id_number),
        display_mode=card.display_mode,
        bindings=await card.bindings.all().count(),
        region_code=card.region_code,
        institution_code=card.institution_code,
        created_at=local(card.created_at, ctx.settings.timezone),
    )
