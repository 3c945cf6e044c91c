"""Proof of identity: what a resident must show before a card is bound to their account.

- A **new** card: the identity register matches name and number, **and** one proof that the
  resident is that person: the phone that got the SMS code is registered to them (the
  carriers' three-factor check, 三要素, asked through the register), or a face check.
- An **existing** card bound to another account: the name matches the card's, and the SMS code
  went to the card's phone on record, or a face check passed. Knowing someone's name and ID
  number and owning *some* phone is not enough: that was the card-takeover hole.

Without a proof the answer is 403 ``PROOF_REQUIRED`` naming the ``methods`` that would do (and
for an existing card the phone on record, masked). Checks read; :func:`spend` burns the code or
face session once the whole collection has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.cards import face, otp
from api.cards.id_numbers import IdentityNumber
from api.cards.identity import PHONE, open_identity, phone_index
from api.cards.models import Person
from api.context import AppContext
from api.errors import DomainError
from api.masking import mask_phone
from api.principals import Caller


@dataclass(frozen=True)
class Claim:
    """Who the resident says they are, and what they show for it."""

    name: str
    number: IdentityNumber
    person_idx: str
    phone: str | None
    otp: str | None
    face_session: str | None


def required(methods: list[str], phone_masked: str | None = None) -> DomainError:
    """403 ``PROOF_REQUIRED`` naming what would do."""
    fields: dict[str, object] = {"methods": methods}
    if phone_masked is not None or "phone" not in methods:
        fields["phone_masked"] = phone_masked
    return DomainError(
        "PROOF_REQUIRED",
        "prove you are this person: an SMS code to their phone, or a face check",
        fields=fields,
    )


def mismatch() -> DomainError:
    """403 ``REALNAME_MISMATCH``."""
    return DomainError("REALNAME_MISMATCH", "name and ID number do not match")


async def prove_new(ctx: AppContext, caller: Caller, claim: Claim) -> None:
    """The proofs for a person the card centre has never seen."""
    if claim.face_session:
        if not (await ctx.adapters.identity.check(claim.name, claim.number.number)).identity:
            raise mismatch()
        await face.check(ctx, caller.id, claim.face_session, claim.person_idx, claim.name)
        return
    if claim.otp and claim.phone:
        await otp.check(ctx, claim.phone, claim.otp)
    asked = claim.phone if claim.otp else None
    answer = await ctx.adapters.identity.check(claim.name, claim.number.number, asked)
    if not answer.identity:
        raise mismatch()
    if not answer.phone:
        raise required(["phone", "face"])


async def prove_existing(ctx: AppContext, caller: Caller, claim: Claim, person: Person) -> None:
    """The proofs for binding the card of a person already known (proven when it was issued)."""
    if open_identity(ctx, person).name != claim.name:
        raise mismatch()
    if claim.face_session:
        await face.check(ctx, caller.id, claim.face_session, claim.person_idx, claim.name)
        return
    if claim.otp and claim.phone:
        await otp.check(ctx, claim.phone, claim.otp)
        if person.phone_idx and phone_index(ctx, claim.phone) == person.phone_idx:
            return
    if person.phone_sealed is None:
        raise required(["face"])
    on_record = ctx.keys.ring.open(person.phone_sealed, context=PHONE)
    raise required(["phone", "face"], mask_phone(on_record))


async def spend(ctx: AppContext, claim: Claim) -> None:
    """Burn what proved the claim: one collection per code or face session."""
    if claim.face_session:
        await face.burn(ctx, claim.face_session)
    elif claim.otp and claim.phone:
        await otp.burn(ctx, claim.phone)
