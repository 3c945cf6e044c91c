"""Real-name card collection, the holder's view of their cards, and admin look-ups
(the lifecycle itself is :mod:`api.cards.lifecycle`)."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import pyotp
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards import bindings, face, lifecycle, otp, proofs
from api.cards.face_check import FaceSession
from api.cards.id_numbers import IdentityNumber, parse_id
from api.cards.identity import Identity, id_index, sealed_fields
from api.cards.models import BlacklistEntry, Card, CardBinding, CardEvent, Person
from api.cards.schemas import CollectRequest
from api.channels.models import ResidentUser
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox.service import enqueue
from api.principals import Caller
from api.timefmt import local

MAX_CARDS_PER_USER = 5
TOTP_CONTEXT = "card.totp"


@dataclass(frozen=True)
class HeldCard:
    """A card as one of its holders sees it."""

    card: Card
    relation: str


def normalise_name(raw: str) -> str:
    """NFKC, trimmed, inner whitespace collapsed: what the identity register compares."""
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name or any(ch.isdigit() for ch in name):
        raise DomainError("VALIDATION_ERROR", "name must be the holder's name as on the document")
    return name


async def request_otp(ctx: AppContext, caller: Caller, phone: str) -> int:
    """Send a real-name SMS code to ``phone`` for ``caller``; returns its lifetime (s)."""
    now = local(datetime.now().astimezone(), ctx.settings.timezone)
    return await otp.send(ctx, phone, now, sender=caller.id)


async def start_face_check(
    ctx: AppContext, caller: Caller, name: str, id_type: str, id_number: str
) -> FaceSession:
    """Open a face check of the person named, for the caller to take and then show once."""
    parsed = parse_id(id_type, id_number)
    name = normalise_name(name)
    idx = id_index(ctx, parsed.id_type, parsed.number)
    return await face.open_session(ctx, caller.id, idx, name, parsed.number)


async def collect(ctx: AppContext, caller: Caller, req: CollectRequest) -> tuple[HeldCard, bool]:
    """Collect (or find) the card of the person named in ``req`` and bind it to the caller.

    Returns the card and whether it was newly issued. The checks (blacklist, the register,
    the proofs of :mod:`api.cards.proofs`) run before any write, and the writes (person, card,
    binding, history, notices, audit) happen in one transaction.
    """
    parsed = parse_id(req.id_type, req.id_number)
    name = normalise_name(req.name)
    idx = id_index(ctx, parsed.id_type, parsed.number)
    if await BlacklistEntry.exists(id_type=parsed.id_type, id_number_idx=idx):
        raise DomainError("BLACKLISTED", "this person may not collect a card; ask the card centre")
    claim = proofs.Claim(name, parsed, idx, req.phone, req.otp, req.face_session)
    person = await Person.get_or_none(id_type=parsed.id_type, id_number_idx=idx)
    if person is None:
        await proofs.prove_new(ctx, caller, claim)
    else:
        await proofs.prove_existing(ctx, caller, claim, person)
    await proofs.spend(ctx, claim)
    identity = Identity(name=name, id_type=parsed.id_type, id_number=parsed.number, phone=req.phone)
    try:
        return await _bind(ctx, caller, identity, parsed, req.relation)
    except IntegrityError:
        # Another channel issued this person's card a moment ago: bind to that one.
        return await _bind(ctx, caller, identity, parsed, req.relation)


async def issue_card(
    ctx: AppContext, caller: Caller, identity: Identity, parsed: IdentityNumber
) -> Card:
    """A new person and their card (the caller has done every check)."""
    person = await Person.create(
        **sealed_fields(ctx, identity), gender=parsed.gender, birth_date=parsed.birth_date
    )
    return await Card.create(
        card_id=secrets.token_hex(32),
        person=person,
        issuer=ctx.settings.issuer,
        static_ref=secrets.token_hex(8),
        totp_secret_sealed=ctx.keys.ring.seal(pyotp.random_base32(32), context=TOTP_CONTEXT),
        channel_app_id=caller.attrs.get("app_id"),
    )


async def _bind(
    ctx: AppContext, caller: Caller, identity: Identity, parsed: IdentityNumber, relation: str
) -> tuple[HeldCard, bool]:
    idx = id_index(ctx, parsed.id_type, parsed.number)
    async with in_transaction():
        # Lock the user's row: concurrent collections by one user cannot pass the limit.
        await ResidentUser.select_for_update().get(user_id=caller.id)
        person = await Person.get_or_none(id_type=parsed.id_type, id_number_idx=idx)
        card = await Card.get(person=person) if person else None
        if card is not None:
            binding = await CardBinding.get_or_none(user_id=caller.id, card=card)
            if binding is not None:
                return HeldCard(card, binding.relation), False
        if await CardBinding.filter(user_id=caller.id).count() >= MAX_CARDS_PER_USER:
            raise DomainError("CARD_LIMIT", f"a user holds at most {MAX_CARDS_PER_USER} cards")
        created = card is None
        if card is None:
            card = await issue_card(ctx, caller, identity, parsed)
        await CardBinding.create(user_id=caller.id, card=card, relation=relation)
        if not created:
            await bindings.tell_others(card.card_id, caller)
        await lifecycle.record_event(
            card, "collected" if created else "bound", caller, to_status=card.status
        )
        await enqueue("card_collected", caller.id, {"relation": relation}, card_id=card.card_id)
        await audit.record(
            caller,
            "card.collect" if created else "card.bind",
            target_type="card",
            target_id=card.card_id,
            detail={"relation": relation, "app_id": caller.attrs.get("app_id")},
        )
        await lifecycle.forget(ctx, card.card_id)  # a new holder (see lifecycle.changing)
    await lifecycle.forget(ctx, card.card_id)
    return HeldCard(card, relation), created


async def held_cards(caller: Caller) -> list[HeldCard]:
    """The caller's cards, oldest binding first."""
    bindings = (
        await CardBinding.filter(user_id=caller.id)
        .order_by("created_at")
        .prefetch_related("card__person")
    )
    return [HeldCard(b.card, b.relation) for b in bindings]


async def held_card(caller: Caller, card_id: str) -> HeldCard:
    """One of the caller's cards; anyone else's is 404."""
    binding = await CardBinding.get_or_none(user_id=caller.id, card_id=card_id).prefetch_related(
        "card__person"
    )
    if binding is None:
        raise not_found("card")
    return HeldCard(binding.card, binding.relation)


async def bound_card(caller: Caller, card_id: str) -> Card:
    """One of the caller's cards without its person (one query)."""
    card = await Card.get_or_none(card_id=card_id, bindings__user_id=caller.id)
    if card is None:
        raise not_found("card")
    return card


async def unbind(ctx: AppContext, caller: Caller, card_id: str) -> None:
    """Remove the card from the caller's list; the card itself lives on."""
    held = await held_card(caller, card_id)
    async with lifecycle.changing(ctx, card_id):
        await CardBinding.filter(user_id=caller.id, card_id=card_id).delete()
        await lifecycle.record_event(held.card, "unbound", caller)
        await audit.record(caller, "card.unbind", target_type="card", target_id=card_id)


async def set_display(ctx: AppContext, caller: Caller, card_id: str, mode: str) -> HeldCard:
    """The holder picks whether the card shows a dynamic or a static code."""
    held = await held_card(caller, card_id)
    held.card.display_mode = mode
    async with lifecycle.changing(ctx, card_id):
        await held.card.save(update_fields=["display_mode", "updated_at"])
    return held


async def holder_change(ctx: AppContext, caller: Caller, card_id: str, action: str) -> HeldCard:
    """A holder reports their card lost or restores it."""
    held = await held_card(caller, card_id)
    await lifecycle.change_status(ctx, held.card, action, caller)
    return held


async def card_by_id(card_id: str) -> Card:
    """Any card (admin), or 404."""
    card = await Card.get_or_none(card_id=card_id).prefetch_related("person")
    if card is None:
        raise not_found("card")
    return card


async def find_by_identity(ctx: AppContext, caller: Caller, id_type: str, number: str) -> Card:
    """The card of a person, found by blind index (admin); the look-up is audited."""
    parsed = parse_id(id_type, number)
    person = await Person.get_or_none(
        id_type=parsed.id_type, id_number_idx=id_index(ctx, parsed.id_type, parsed.number)
    )
    await audit.record(caller, "card.lookup", target_type="person", detail={"found": bool(person)})
    if person is None:
        raise not_found("card")
    return await card_by_id((await Card.get(person=person)).card_id)


async def events(card_id: str) -> list[CardEvent]:
    """A card's history, oldest first."""
    return await CardEvent.filter(card_id=card_id).order_by("id")


async def add_to_blacklist(
    ctx: AppContext, caller: Caller, id_type: str, number: str, reason: str
) -> BlacklistEntry:
    """Refuse this person any card from now on (an existing card is not cancelled by this)."""
    parsed = parse_id(id_type, number)
    idx = id_index(ctx, parsed.id_type, parsed.number)
    entry, _ = await BlacklistEntry.get_or_create(
        id_type=parsed.id_type,
        id_number_idx=idx,
        defaults={"reason": reason, "created_by": str(caller.attrs.get("username", caller.id))},
    )
    await audit.record(caller, "blacklist.add", target_type="blacklist", target_id=str(entry.id))
    return entry


async def remove_from_blacklist(caller: Caller, entry_id: int) -> None:
    """Lift a blacklist entry."""
    if not await BlacklistEntry.filter(id=entry_id).delete():
        raise not_found("blacklist entry")
    await audit.record(caller, "blacklist.remove", target_type="blacklist", target_id=str(entry_id))


async def blacklist() -> list[BlacklistEntry]:
    """Every blacklist entry, newest first."""
    return await BlacklistEntry.all().order_by("-id")
