"""The card centre's work on cards, checked against the acting admin's role and scope
(``api.policy``): a card lies in its holder's home region and at the institution it was
collected at; a blacklist entry in its person's home region."""

from __future__ import annotations

from api import policy
from api.audit import service as audit
from api.cards import lifecycle, service, settings
from api.cards.id_numbers import parse_id
from api.cards.models import BlacklistEntry, Card
from api.context import AppContext
from api.policy import Place
from api.principals import Caller


def place_of(card: Card) -> Place:
    """Where a card lies for the policy."""
    return Place(card.region_code, card.institution_code)


async def card(actor: Caller, card_id: str, action: str = "card.read") -> Card:
    """A card inside the actor's reach, or 404."""
    policy.require(actor, action)
    found = await service.card_by_id(card_id)
    policy.check(actor, action, place_of(found), "card")
    return found


async def lookup(ctx: AppContext, actor: Caller, id_type: str, number: str) -> Card:
    """A person's card by document number (audited), if inside the actor's reach."""
    policy.require(actor, "card.lookup")
    found = await service.find_by_identity(ctx, actor, id_type, number)
    policy.check(actor, "card.lookup", place_of(found), "card")
    return found


async def events(actor: Caller, card_id: str) -> list:
    """A card's history, oldest first."""
    return await service.events((await card(actor, card_id)).card_id)


async def change_status(
    ctx: AppContext, actor: Caller, card_id: str, action: str, reason: str | None
) -> Card:
    """Freeze, unfreeze or cancel a card inside the actor's reach."""
    found = await card(actor, card_id, "card.manage")
    await lifecycle.change_status(ctx, found, action, actor, reason)
    return await service.card_by_id(card_id)


async def replace(ctx: AppContext, actor: Caller, card_id: str) -> Card:
    """Replace a card (补换卡) at the counter or the centre: new code material, same id."""
    found = await card(actor, card_id, "card.replace")
    await service.replace(ctx, found, actor)
    return await service.card_by_id(card_id)


async def listing(actor: Caller, status: str | None, region: str | None, limit: int) -> list[Card]:
    """Cards inside the actor's reach by status and holder's region, newest first."""
    reach = policy.require(actor, "card.read")
    query = Card.all()
    if reach.institution_code is not None:
        query = query.filter(institution_code=reach.institution_code)
    elif reach.region_prefix is not None:
        query = query.filter(region_code__startswith=reach.region_prefix)
    if region:
        query = query.filter(region_code__startswith=policy.region_prefix(region))
    if status:
        query = query.filter(status=status)
    return await query.order_by("-updated_at").limit(limit).prefetch_related("person")


async def add_to_blacklist(
    ctx: AppContext, actor: Caller, id_type: str, number: str, reason: str
) -> BlacklistEntry:
    """Blacklist a person from the actor's region: no new card, and their card is refused."""
    policy.require(actor, "blacklist.manage")
    parsed = parse_id(id_type, number)
    policy.check(actor, "blacklist.manage", Place(service.home_region(parsed)), "person")
    return await service.add_to_blacklist(ctx, actor, id_type, number, reason)


async def blacklist(actor: Caller) -> list[BlacklistEntry]:
    """The blacklist entries of people from the actor's region."""
    reach = policy.require(actor, "blacklist.read")
    if reach.institution_code is not None:
        return []
    return await service.blacklist(reach.region_prefix)


async def remove_from_blacklist(ctx: AppContext, actor: Caller, entry_id: int) -> None:
    """Lift a blacklist entry of a person from the actor's region."""
    policy.require(actor, "blacklist.manage")
    entry = await service.blacklist_entry(entry_id)
    policy.check(actor, "blacklist.manage", Place(entry.region_code), "blacklist entry")
    await service.remove_from_blacklist(ctx, actor, entry)


async def qr_settings(ctx: AppContext, actor: Caller) -> int:
    """The dynamic code lifetime in force (centre-wide)."""
    policy.require(actor, "centre.read")
    return await settings.qr_lifetime(ctx)


async def set_qr_lifetime(ctx: AppContext, actor: Caller, lifetime: int) -> None:
    """Change the dynamic code lifetime for codes issued from now on (centre-wide; audited)."""
    policy.require(actor, "centre.manage")
    await settings.set_qr_lifetime(ctx, lifetime)
    await audit.record(actor, "settings.qr", detail={"lifetime": lifetime})
