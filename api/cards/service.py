"""Real-name card collection, the holder's view of their cards, and admin look-ups
(the lifecycle itself is :mod:`api.cards.lifecycle`)."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards import bindings, face, lifecycle, otp, proofs, qr
from api.cards.face_check import FaceSession
from api.cards.id_numbers import IdentityNumber, home_region, parse_id
from api.cards.identity import Identity, id_index, sealed_fields
from api.cards.models import BlacklistEntry, Card, CardBinding, CardEvent, Person
from api.cards.pending import PENDING
from api.cards.schemas import CollectRequest
from api.channels.models import ResidentUser
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox import platform_records
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


# What a name on an identity document is made of: letters (Han, Latin, Uyghur…), their marks,
# spaces, and the separators of minority and foreign names (阿依古丽·买买提, O'Neil, Smith-Jones).
NAME_PUNCTUATION = frozenset("·•・.-' ")


def normalise_name(raw: str) -> str:
    """NFKC, trimmed, inner whitespace collapsed: what the identity register compares. Digits,
    symbols and emoji are refused: no document carries them, and a counter shows the name."""
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name or not all(_name_char(ch) for ch in name):
        raise DomainError("VALIDATION_ERROR", "name must be the holder's name as on the document")
    return name


def _name_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" or ch in NAME_PUNCTUATION


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
    parsed = parse_id(req.id_type, req.id_number or "")
    name = normalise_name(req.name or "")
    idx = id_index(ctx, parsed.id_type, parsed.number)
    if await BlacklistEntry.exists(id_type=parsed.id_type, id_number_idx=idx):
        raise DomainError("BLACKLISTED", "this person may not collect a card; ask the card centre")
    claim = proofs.Claim(name, parsed, idx, req.phone, req.otp, req.face_session)
    person = await Person.get_or_none(id_type=parsed.id_type, id_number_idx=idx)
    if person is None or await Card.exists(person=person, status=PENDING):
        # Never proven (a hospital's import is not a proof): the register and one proof.
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
        **sealed_fields(ctx, identity),
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        region_code=parsed.region,
    )
    return await create_card(ctx, caller, person, "standard", region_code=home_region(parsed))


async def create_card(
    ctx: AppContext,
    caller: Caller,
    person: Person,
    kind: str,
    *,
    region_code: str | None = None,
    institution_code: str | None = None,
) -> Card:
    """The card of a person just created, with new code material, registered upward (call
    inside the issuing transaction)."""
    card = await Card.create(
        card_id=secrets.token_hex(32),
        person=person,
        kind=kind,
        issuer=ctx.settings.issuer,
        static_ref=secrets.token_hex(8),
        totp_secret_sealed=ctx.keys.ring.seal(qr.new_card_secret(), context=TOTP_CONTEXT),
        channel_app_id=caller.attrs.get("app_id"),
        institution_code=institution_code,
        region_code=region_code,
    )
    await platform_records.card_registered(ctx.settings, card.card_id, card.issuer, kind)
    return card


def _home(parsed: IdentityNumber) -> dict[str, str]:
    """The card's region as collection sets it, when the number names one (else the card
    keeps what its import gave it)."""
    return {"region_code": region} if (region := home_region(parsed)) else {}


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
        elif card.status == PENDING:  # a hospital brought this person: the card is theirs now
            await Card.filter(card_id=card.card_id, status=PENDING).update(
                status="active", channel_app_id=caller.attrs.get("app_id"), **_home(parsed)
            )
            if parsed.region:  # an import from before regions were kept counts from now on
                await Person.filter(id=card.person_id).update(region_code=parsed.region)
            await lifecycle.record_event(
                card, "activated", caller, from_status=PENDING, to_status="active"
            )
            card.status = "active"
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


REPLACEABLE = ("active", "lost")


async def replace(ctx: AppContext, card: Card, who: Caller) -> Card:
    """Replace a card (补换卡): it keeps its id and gets new code material, a new QR reference
    and a new TOTP secret, so every code issued before, dynamic or printed, is refused
    (``QR_FORGED``). A lost card comes back active."""
    changes = {
        "status": "active",
        "static_ref": secrets.token_hex(8),
        "totp_secret_sealed": ctx.keys.ring.seal(qr.new_card_secret(), context=TOTP_CONTEXT),
    }
    async with lifecycle.changing(ctx, card.card_id):
        updated = await Card.filter(card_id=card.card_id, status__in=REPLACEABLE).update(**changes)
        if not updated:
            raise DomainError("INVALID_STATE", f"a {card.status} card cannot be replaced")
        await lifecycle.record_event(
            card, "replace", who, from_status=card.status, to_status="active"
        )
        await audit.record(who, "card.replace", target_type="card", target_id=card.card_id)
    await card.refresh_from_db()
    return card


async def holder_replace(ctx: AppContext, caller: Caller, card_id: str) -> HeldCard:
    """A holder replaces their card (a new phone, a code seen by others)."""
    held = await held_card(caller, card_id)
    await replace(ctx, held.card, caller)
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
        defaults={
            "reason": reason,
            "created_by": str(caller.attrs.get("username", caller.id)),
            "region_code": home_region(parsed),
        },  # fmt: skip
    )
    await audit.record(caller, "blacklist.add", target_type="blacklist", target_id=str(entry.id))
    await _forget_person_card(ctx, entry)  # refused at the next use, on every worker
    return entry


async def _forget_person_card(ctx: AppContext, entry: BlacklistEntry) -> None:
    person = await Person.get_or_none(id_type=entry.id_type, id_number_idx=entry.id_number_idx)
    card = await Card.get_or_none(person=person).only("card_id") if person else None
    if card is not None:
        await lifecycle.forget(ctx, card.card_id)


async def blacklist_entry(entry_id: int) -> BlacklistEntry:
    """One blacklist entry, or 404."""
    entry = await BlacklistEntry.get_or_none(id=entry_id)
    if entry is None:
        raise not_found("blacklist entry")
    return entry


async def remove_from_blacklist(ctx: AppContext, caller: Caller, entry: BlacklistEntry) -> None:
    """Lift a blacklist entry (the person's card may be used again)."""
    await BlacklistEntry.filter(id=entry.id).delete()
    await audit.record(caller, "blacklist.remove", target_type="blacklist", target_id=str(entry.id))
    await _forget_person_card(ctx, entry)


async def blacklist(region_prefix: str | None = None) -> list[BlacklistEntry]:
    """Blacklist entries (of people from a region, when given), newest first."""
    query = BlacklistEntry.all()
    if region_prefix is not None:
        query = query.filter(region_code__startswith=region_prefix)
    return await query.order_by("-id")
