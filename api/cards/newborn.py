"""Newborn cards: a guardian who holds a card collects one for a baby that has no ID number
yet (name, gender, birth date), and the card is upgraded in place when the child gets one.

- The guardian proves it is them, as for binding an existing card: the SMS code sent to the
  guardian's phone on record, or a face check of the guardian. The baby's card is bound to the
  guardian's account (``relation: child``) and counts towards its five cards.
- The upgrade is a real-name check like any collection: the identity register must match the
  child's name and the number, a resident ID number must carry the child's birth date, and one
  person, one card still holds (a number that already has a card is 409 ``CARD_EXISTS``).
  The card keeps its id, bindings and patient records; it becomes a ``standard`` card with new
  code material, so every worker reads its new particulars at the next scan.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards import lifecycle, proofs
from api.cards.id_numbers import parse_id
from api.cards.identity import id_index, open_identity
from api.cards.models import BlacklistEntry, Card, CardBinding, Person
from api.cards.schemas import CollectRequest, NewbornRequest
from api.cards.service import MAX_CARDS_PER_USER, HeldCard, held_card, normalise_name
from api.cards.undocumented import NO_DOCUMENT, card_exists, give_document, issue_undocumented
from api.channels.models import ResidentUser
from api.context import AppContext
from api.errors import DomainError
from api.outbox import platform_records
from api.outbox.service import enqueue
from api.principals import Caller
from api.timefmt import today

# Births are registered within a month (户口登记条例); a card for a child past its first year
# is collected with the child's own document.
NEWBORN_MAX_AGE = timedelta(days=366)


async def collect_newborn(ctx: AppContext, caller: Caller, req: CollectRequest) -> HeldCard:
    """Issue a newborn's card to the guardian calling, who holds a card of their own and proves
    it is them; the checks run before any write, the writes in one transaction."""
    assert req.newborn is not None
    baby = req.newborn
    name = normalise_name(baby.name)
    _refuse_unlikely_birth(baby, today(ctx.settings.timezone))
    guardian = await _guardian_card(caller)
    claim = await _guardian_claim(ctx, guardian.person, req)
    await proofs.prove_existing(ctx, caller, claim, guardian.person)
    await proofs.spend(ctx, claim)
    async with in_transaction():
        # Lock the user's row: concurrent collections by one user cannot pass the limit.
        await ResidentUser.select_for_update().get(user_id=caller.id)
        if await CardBinding.filter(user_id=caller.id).count() >= MAX_CARDS_PER_USER:
            raise DomainError("CARD_LIMIT", f"a user holds at most {MAX_CARDS_PER_USER} cards")
        card = await issue_undocumented(
            ctx, caller, "newborn", name=name, gender=baby.gender, birth_date=baby.birth_date
        )
        await CardBinding.create(user_id=caller.id, card=card, relation="child")
        await lifecycle.record_event(card, "newborn_collected", caller, to_status=card.status,
                                     reason=f"guardian card {guardian.card_id}")  # fmt: skip
        await enqueue("card_collected", caller.id, {"relation": "child"}, card_id=card.card_id)
        await audit.record(caller, "card.collect_newborn", target_type="card",
                           target_id=card.card_id,
                           detail={"guardian_card": guardian.card_id})  # fmt: skip
    return await held_card(caller, card.card_id)


def _refuse_unlikely_birth(baby: NewbornRequest, on: date) -> None:
    if baby.birth_date > on:
        raise DomainError("VALIDATION_ERROR", "the birth date is in the future")
    if on - baby.birth_date > NEWBORN_MAX_AGE:
        raise DomainError(
            "VALIDATION_ERROR",
            "a newborn card is for a child under one year without an ID number; "
            "collect the card with the child's document",
        )


async def _guardian_card(caller: Caller) -> Card:
    """The caller's own card (held as ``self``), proven with a document and usable."""
    binding = await (
        CardBinding.filter(user_id=caller.id, relation="self", card__status="active")
        .exclude(card__person__id_type=NO_DOCUMENT)
        .prefetch_related("card__person")
        .first()
    )
    if binding is None:
        raise DomainError(
            "GUARDIAN_CARD_REQUIRED",
            "collect your own card first: a newborn's card is collected by a guardian holding one",
        )
    return binding.card


async def _guardian_claim(ctx: AppContext, guardian: Person, req: CollectRequest) -> proofs.Claim:
    identity = open_identity(ctx, guardian)
    if await BlacklistEntry.exists(id_type=guardian.id_type, id_number_idx=guardian.id_number_idx):
        raise DomainError("BLACKLISTED", "this person may not collect a card; ask the card centre")
    return proofs.Claim(
        name=identity.name,
        number=parse_id(identity.id_type, identity.id_number),
        person_idx=guardian.id_number_idx,
        phone=req.phone,
        otp=req.otp,
        face_session=req.face_session,
    )


async def upgrade_identity(
    ctx: AppContext, caller: Caller, card_id: str, id_type: str, id_number: str
) -> HeldCard:
    """Give a newborn card the child's ID number (a holder of the card asks). Errors:
    ``INVALID_STATE`` (not a newborn card waiting for a number), ``INVALID_ID_NUMBER``,
    ``BLACKLISTED``, ``CARD_EXISTS``, ``REALNAME_MISMATCH``."""
    held = await held_card(caller, card_id)
    card, person = held.card, held.card.person
    if card.kind != "newborn" or person.id_type != NO_DOCUMENT:
        raise DomainError("INVALID_STATE", "only a newborn card waiting for an ID number")
    parsed = parse_id(id_type, id_number)
    idx = id_index(ctx, parsed.id_type, parsed.number)
    if await BlacklistEntry.exists(id_type=parsed.id_type, id_number_idx=idx):
        raise DomainError("BLACKLISTED", "this person may not hold a card; ask the card centre")
    if await Person.exists(id_type=parsed.id_type, id_number_idx=idx):
        raise card_exists()
    name = open_identity(ctx, person).name
    if parsed.birth_date is not None and parsed.birth_date != person.birth_date:
        raise DomainError("REALNAME_MISMATCH", "the number's birth date is not the child's")
    if not (await ctx.adapters.identity.check(name, parsed.number)).identity:
        raise proofs.mismatch()
    async with lifecycle.changing(ctx, card_id):
        await give_document(ctx, person, parsed)
        # New code material: every worker reads the card's new particulars at the next scan.
        await Card.filter(card_id=card_id).update(kind="standard", static_ref=secrets.token_hex(8))
        await lifecycle.record_event(card, "identity_upgraded", caller,
                                     reason=f"document type {parsed.id_type}")  # fmt: skip
        await platform_records.identity_given(ctx.settings, card_id, "standard")
        await audit.record(caller, "card.identity_upgrade", target_type="card",
                           target_id=card_id, detail={"id_type": parsed.id_type})  # fmt: skip
    return await held_card(caller, card_id)
