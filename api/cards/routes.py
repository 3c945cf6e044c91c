"""The residents' door of cards: real-name codes, collecting a card, the holder's cards, their
QR codes, display mode, loss and restore."""

from __future__ import annotations

from api.cards import bindings, codes, newborn, service
from api.cards.schemas import (
    BindingList,
    BindingOut,
    CardList,
    CardOut,
    CollectRequest,
    DisplayRequest,
    FaceOut,
    FaceRequest,
    IdentityUpgradeRequest,
    OtpOut,
    OtpRequest,
    QrOut,
    QrQuery,
)
from api.cards.views import card_out
from api.timefmt import local
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import resident_route
from api.web.http import JSONResponse, Request, Response


async def send_otp(request: Request, body: OtpRequest) -> OtpOut:
    """Send an SMS code for real-name collection (one per phone per 60 s and 10 a day; 5 an
    hour per resident)."""
    lifetime = await service.request_otp(ctx_of(request), caller_of(request), body.phone)
    return OtpOut(expires_in=lifetime)


async def start_face_check(request: Request, body: FaceRequest) -> FaceOut:
    """Open a face check of the person named; once it passes, ``face_session`` proves it once
    (instead of an SMS code)."""
    session = await service.start_face_check(
        ctx_of(request), caller_of(request), body.name, body.id_type, body.id_number
    )
    return FaceOut(face_session=session.certify_id, expires_in=session.expires_in)


async def collect_card(request: Request, body: CollectRequest) -> Response:
    """Collect a card: 201 when issued now, 200 with the person's existing card. A new card
    needs the register's match and a proof (an SMS code to a phone registered to the person, or
    a face check); another person's existing card needs the code sent to its phone on record or
    a face check."""
    ctx = ctx_of(request)
    if body.newborn is not None:
        held, created = await newborn.collect_newborn(ctx, caller_of(request), body), True
    else:
        held, created = await service.collect(ctx, caller_of(request), body)
        held = await service.held_card(caller_of(request), held.card.card_id)
    out = card_out(ctx, held)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


async def give_identity(request: Request, body: IdentityUpgradeRequest) -> CardOut:
    """Give a newborn card the child's ID number, once the child has one: the identity
    register must match the child's name and the number (a resident ID number must also carry
    the child's birth date), and a number that already has a card is refused with
    `CARD_EXISTS` (one person, one card). The card keeps its id, bindings and patient records
    and becomes a `standard` card; its earlier codes stop working."""
    ctx = ctx_of(request)
    held = await newborn.upgrade_identity(
        ctx, caller_of(request), request.path_params["card_id"], body.id_type, body.id_number
    )
    return card_out(ctx, held)


async def list_cards(request: Request) -> CardList:
    """The cards this user holds (their own and family members')."""
    ctx = ctx_of(request)
    return CardList(cards=[card_out(ctx, h) for h in await service.held_cards(caller_of(request))])


async def get_card(request: Request) -> CardOut:
    """One card this user holds."""
    held = await service.held_card(caller_of(request), request.path_params["card_id"])
    return card_out(ctx_of(request), held)


async def unbind_card(request: Request) -> None:
    """Remove the card from this user's list (the card lives on)."""
    await service.unbind(ctx_of(request), caller_of(request), request.path_params["card_id"])


async def list_bindings(request: Request) -> BindingList:
    """The accounts holding this card (``current``: this session's)."""
    found = await bindings.of_card(caller_of(request), request.path_params["card_id"])
    return BindingList(
        bindings=[
            BindingOut(
                binding_id=b.binding_id,
                channel=b.channel,
                since=local(b.since, ctx_of(request).settings.timezone),
                current=b.current,
            )
            for b in found
        ]
    )


async def remove_binding(request: Request) -> None:
    """Take the card back from another account (the card's holder only)."""
    await bindings.remove(
        ctx_of(request),
        caller_of(request),
        request.path_params["card_id"],
        request.path_params["binding_id"],
    )


async def set_display(request: Request, body: DisplayRequest) -> CardOut:
    """Choose the dynamic or static QR code for this card."""
    ctx = ctx_of(request)
    held = await service.set_display(
        ctx, caller_of(request), request.path_params["card_id"], body.mode
    )
    return card_out(ctx, held)


async def replace_card(request: Request) -> CardOut:
    """Replace the card (补换卡): it keeps its id and gets new code material; every code shown
    before is refused from now on."""
    ctx = ctx_of(request)
    held = await service.holder_replace(ctx, caller_of(request), request.path_params["card_id"])
    return card_out(ctx, await service.held_card(caller_of(request), held.card.card_id))


async def report_loss(request: Request) -> CardOut:
    """Report the card lost: terminals refuse it until it is restored."""
    return await _holder_change(request, "report_loss")


async def restore(request: Request) -> CardOut:
    """Undo a loss report (printed static codes stop working: the reference rotates)."""
    return await _holder_change(request, "restore")


async def _holder_change(request: Request, action: str) -> CardOut:
    caller = caller_of(request)
    card_id = request.path_params["card_id"]
    await service.holder_change(ctx_of(request), caller, card_id, action)
    return card_out(ctx_of(request), await service.held_card(caller, card_id))


async def qr_code(request: Request, query: QrQuery) -> Response:
    """The card's QR code (``mode``: dynamic, new every call; static, printable);
    ``format=svg`` returns the image."""
    issued = await codes.issue(
        ctx_of(request), caller_of(request), request.path_params["card_id"], query.mode
    )
    if query.format == "svg":
        return Response(codes.svg(issued.payload), media_type="image/svg+xml")
    expires_at = issued.expires_at and local(issued.expires_at, ctx_of(request).settings.timezone)
    # The QrOut shape, built directly: a phone asks for one every refresh (as verify's answer).
    return JSONResponse(
        {
            "payload": issued.payload,
            "svg": codes.svg(issued.payload) if query.with_svg else None,
            "mode": issued.mode,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "refresh_in": issued.refresh_in,
        }
    )


CARD = "/api/v1/cards/{card_id}"
COLLECT_ERRORS = [
    "INVALID_ID_NUMBER", "OTP_INVALID", "REALNAME_MISMATCH", "BLACKLISTED", "CARD_LIMIT",
    "VALIDATION_ERROR", "PROOF_REQUIRED", "FACE_CHECK_FAILED", "UPSTREAM_UNAVAILABLE",
    "GUARDIAN_CARD_REQUIRED",
]  # fmt: skip

routes = [
    resident_route("POST", "/api/v1/realname/otp", send_otp, body=OtpRequest, response=OtpOut,
                   status=202, tags=["cards"],
                   errors=["TOO_MANY_REQUESTS", "UPSTREAM_UNAVAILABLE"]),
    resident_route("POST", "/api/v1/realname/face", start_face_check, body=FaceRequest,
                   response=FaceOut, status=201, tags=["cards"],
                   errors=["INVALID_ID_NUMBER", "VALIDATION_ERROR", "UPSTREAM_UNAVAILABLE"]),
    resident_route("POST", "/api/v1/cards", collect_card, body=CollectRequest, response=CardOut,
                   status=201, tags=["cards"], errors=COLLECT_ERRORS),
    resident_route("GET", "/api/v1/cards", list_cards, response=CardList, tags=["cards"]),
    resident_route("GET", CARD, get_card, response=CardOut, tags=["cards"]),
    resident_route("DELETE", CARD, unbind_card, tags=["cards"]),
    resident_route("GET", CARD + "/bindings", list_bindings, response=BindingList,
                   tags=["cards"], errors=["NOT_FOUND"]),
    resident_route("DELETE", CARD + "/bindings/{binding_id}", remove_binding, tags=["cards"],
                   errors=["NOT_FOUND", "FORBIDDEN", "INVALID_STATE"]),
    resident_route("POST", CARD + "/identity", give_identity, body=IdentityUpgradeRequest,
                   response=CardOut, tags=["cards"],
                   errors=["NOT_FOUND", "INVALID_STATE", "INVALID_ID_NUMBER", "BLACKLISTED",
                           "CARD_EXISTS", "REALNAME_MISMATCH", "UPSTREAM_UNAVAILABLE"]),
    resident_route("PUT", CARD + "/display", set_display, body=DisplayRequest, response=CardOut,
                   tags=["cards"]),
    resident_route("GET", CARD + "/qrcode", qr_code, query=QrQuery, response=QrOut,
                   fold_auth=True, tags=["cards"],
                   errors=["CARD_LOST", "CARD_FROZEN", "CARD_CANCELLED", "NOT_FOUND"]),
    resident_route("POST", CARD + "/loss", report_loss, response=CardOut, tags=["cards"],
                   errors=["INVALID_STATE"]),
    resident_route("POST", CARD + "/restore", restore, response=CardOut, tags=["cards"],
                   errors=["INVALID_STATE"]),
    resident_route("POST", CARD + "/replace", replace_card, response=CardOut, tags=["cards"],
                   errors=["INVALID_STATE"]),
]  # fmt: skip
