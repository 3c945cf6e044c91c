"""Step-up: a fresh proof that the resident holding the phone is present, asked before
sensitive reads (a report's PDF). The proof is either an SMS code sent to the phone on record
of one of the resident's cards (the real-name OTP flow of ``otp``) or a passed face check of
that card's holder (``face``, opened with ``POST /api/v1/realname/face``), each spent once; it
lasts ``STEP_UP_TTL`` seconds.

Whose card: the one named, else the resident's own (relation ``self``), else the first they
hold — the same card for both proofs.
"""

from __future__ import annotations

from datetime import datetime

from api.audit import service as audit
from api.cards import face, otp
from api.cards.identity import open_identity
from api.cards.models import Card, CardBinding
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.masking import mask_phone
from api.principals import Caller
from api.timefmt import local

STEP_UP_TTL = 600  # a proof counts for 10 minutes
PURPOSE = "step-up"  # step-up codes are apart from collection codes (see otp)
METHODS = ["otp", "face"]


def _proof_key(user_id: str) -> str:
    return key("step-up", f"user:{user_id}")


async def _card_of(caller: Caller, card_id: str | None) -> Card:
    """The named card (or the caller's own card, else the first they hold), with its person."""
    bindings = await CardBinding.filter(user_id=caller.id).order_by("created_at")
    if card_id is not None:
        bindings = [b for b in bindings if b.card_id == card_id]  # type: ignore[attr-defined]
    else:
        bindings.sort(key=lambda b: b.relation != "self")
    if not bindings:
        raise not_found("card")
    return await Card.get(card_id=bindings[0].card_id).prefetch_related("person")  # type: ignore[attr-defined]


async def _phone_of(ctx: AppContext, caller: Caller, card_id: str | None) -> str:
    """The phone on record of the card (see :func:`_card_of`)."""
    phone = open_identity(ctx, (await _card_of(caller, card_id)).person).phone
    if not phone:
        raise DomainError("INVALID_STATE", "this card has no phone on record")
    return phone


async def send_code(ctx: AppContext, caller: Caller, card_id: str | None) -> tuple[str, int]:
    """Send a step-up code to the card's phone on record; returns the phone masked and the
    code's lifetime."""
    phone = await _phone_of(ctx, caller, card_id)
    today = local(datetime.now().astimezone(), ctx.settings.timezone)
    lifetime = await otp.send(ctx, phone, today, purpose=PURPOSE, sender=caller.id)
    return mask_phone(phone), lifetime


async def prove(ctx: AppContext, caller: Caller, code: str, card_id: str | None) -> int:
    """Check the SMS code and record the proof; returns how long it lasts (s)."""
    phone = await _phone_of(ctx, caller, card_id)
    await otp.check(ctx, phone, code, purpose=PURPOSE)
    await otp.burn(ctx, phone, purpose=PURPOSE)
    return await _proven(ctx, caller, "sms")


async def prove_by_face(
    ctx: AppContext, caller: Caller, face_session: str, card_id: str | None
) -> int:
    """Check a face session this resident opened for the card's holder, which the platform
    says passed, spend it and record the proof; returns how long it lasts (s). Anything else
    is 403 ``FACE_CHECK_FAILED``."""
    person = (await _card_of(caller, card_id)).person
    name = open_identity(ctx, person).name
    await face.check(ctx, caller.id, face_session, person.id_number_idx, name)
    await face.burn(ctx, face_session)
    return await _proven(ctx, caller, "face")


async def _proven(ctx: AppContext, caller: Caller, method: str) -> int:
    await ctx.kv.set(_proof_key(caller.id), method, STEP_UP_TTL)
    await audit.record(caller, "realname.step_up", target_type="user", target_id=caller.id,
                       detail={"method": method})  # fmt: skip
    return STEP_UP_TTL


async def require(ctx: AppContext, caller: Caller) -> None:
    """Refuse with 403 ``STEP_UP_REQUIRED`` unless the caller proved themselves lately."""
    if await ctx.kv.get(_proof_key(caller.id)) is None:
        raise DomainError(
            "STEP_UP_REQUIRED",
            "confirm it is you first (an SMS code or a face check, within the last 10 minutes)",
            fields={"methods": METHODS},
        )
