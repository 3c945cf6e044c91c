"""The residents' door of step-up proofs (``POST /api/v1/realname/step-up``): ask for an SMS
code to the card's phone on record and send it back, or show a passed face check of the card's
holder; the proof lasts 10 minutes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.bounds import key
from api.cards import step_up
from api.errors import DomainError
from api.schemas import Body, Out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import resident_route
from api.web.http import Request


class StepUpRequest(Body):
    otp: str | None = Field(
        default=None, pattern=r"^\d{6}$",
        description="the SMS code; without it (and without face_session) a code is sent",
    )  # fmt: skip
    face_session: key(64) | None = Field(
        default=None,
        description="a passed face check of the card's holder (POST /api/v1/realname/face), "
        "instead of the SMS code; spent once",
    )
    card_id: key(64) | None = Field(
        default=None,
        description="whose phone on record gets the code, or whose face is checked (default: "
        "your own card, else the first you hold)",
    )


class StepUpOut(Out):
    status: Literal["sent", "proven"]
    expires_in: int = Field(description="seconds the code (sent) or the proof (proven) lasts")
    phone_masked: str | None = None


async def prove_presence(request: Request, body: StepUpRequest) -> StepUpOut:
    """Prove it is you before a sensitive read. Send `{}` and an SMS code goes to the card's
    phone on record; send it back as `{"otp"}`. Or open a face check of the card's holder
    (`POST /api/v1/realname/face`), take it, and send `{"face_session"}`. Either proof lasts
    10 minutes and is audited.

    Example (a face check)::

        POST /api/v1/realname/face
        {"name": "张三", "id_type": "01", "id_number": "11010519491231002X"}
        → 201 {"face_session": "FC3a9c0e1f2b4d5e6f7a8b9c0d", "expires_in": 300}
        (the resident takes the check in the WeChat or Alipay face verification)
        POST /api/v1/realname/step-up {"face_session": "FC3a9c0e1f2b4d5e6f7a8b9c0d"}
        → 200 {"status": "proven", "expires_in": 600}
    """
    ctx, caller = ctx_of(request), caller_of(request)
    if body.face_session is not None:
        if body.otp is not None:
            raise DomainError("VALIDATION_ERROR", "send one proof: otp or face_session")
        lasts = await step_up.prove_by_face(ctx, caller, body.face_session, body.card_id)
        return StepUpOut(status="proven", expires_in=lasts)
    if body.otp is None:
        masked, lifetime = await step_up.send_code(ctx, caller, body.card_id)
        return StepUpOut(status="sent", expires_in=lifetime, phone_masked=masked)
    lasts = await step_up.prove(ctx, caller, body.otp, body.card_id)
    return StepUpOut(status="proven", expires_in=lasts)


routes = [
    resident_route("POST", "/api/v1/realname/step-up", prove_presence, body=StepUpRequest,
                   response=StepUpOut, tags=["cards"],
                   errors=["OTP_INVALID", "FACE_CHECK_FAILED", "TOO_MANY_REQUESTS", "NOT_FOUND",
                           "INVALID_STATE", "VALIDATION_ERROR", "UPSTREAM_UNAVAILABLE"]),
]  # fmt: skip
