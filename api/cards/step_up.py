"""Step-up: a fresh proof that the resident holding the phone is present, asked before
sensitive reads (a report's PDF). The proof is an SMS code sent to the phone on record of one
of the resident's cards (the real-name OTP flow of ``otp``); it lasts ``STEP_UP_TTL`` seconds.

TODO(face): API.md also names ``{"face_session"}``; the face-check adapter
(``POST /api/v1/realname/face``) is not in this codebase yet. Once it is, accept a passed
session here (single-use) like an SMS code.
"""

from __future__ import annotations

from datetime import datetime

from api.audit import service as audit
from api.cards import otp
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


def _proof_key(user_id: str) -> str:
    return key("step-up", f"user:{user_id}")


async def _phone_of(ctx: AppContext, caller: Caller, card_id: str | None) -> str:
    """The phone on record of the named card (or of the caller's own card, else the first)."""
    bindings = await CardBinding.filter(user_id=caller.id).order_by("created_at")
    if card_id is not None:
        bindings = [b for b in bindings if b.card_id == card_id]  # type: ignore[attr-defined]
    else:
        bindings.sort(key=lambda b: b.relation != "self")
    if not bindings:
        raise not_found("card")
    card = await Card.get(card_id=bindings[0].card_id).prefetch_related("person")  # type: ignore[attr-defined]
    phone = open_identity(ctx, card.person).phone
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
    await ctx.kv.set(_proof_key(caller.id), "sms", STEP_UP_TTL)
    await audit.record(caller, "realname.step_up", target_type="user", target_id=caller.id,
                       detail={"method": "sms"})  # fmt: skip
    return STEP_UP_TTL


async def require(ctx: AppContext, caller: Caller) -> None:
    """Refuse with 403 ``STEP_UP_REQUIRED`` unless the caller proved themselves lately."""
    if await ctx.kv.get(_proof_key(caller.id)) is None:
        raise DomainError(
            "STEP_UP_REQUIRED",
            "confirm it is you first (an SMS code, within the last 10 minutes)",
            details={"methods": ["otp"]},
        )
