"""Real-name OTP, card collection, the holder's cards and admin card lifecycle."""

from __future__ import annotations

from api.cards import codes, lifecycle, service
from api.cards.schemas import (
    AdminCardOut,
    BlacklistList,
    BlacklistOut,
    BlacklistRequest,
    CardEventList,
    CardEventOut,
    CardList,
    CardLookupRequest,
    CardOut,
    CollectRequest,
    DisplayRequest,
    OtpOut,
    OtpRequest,
    QrOut,
    QrQuery,
    ReasonRequest,
)
from api.cards.views import admin_card_out, card_out
from api.timefmt import local
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route
from api.web.http import JSONResponse, Request, Response

RESIDENT = ("resident",)
ADMIN = ("admin",)


async def send_otp(request: Request, body: OtpRequest) -> OtpOut:
    """Send an SMS code for real-name collection (one per phone per 60 s, 10 a day)."""
    return OtpOut(expires_in=await service.request_otp(ctx_of(request), body.phone))


async def collect_card(request: Request, body: CollectRequest) -> Response:
    """Collect a card: 201 when issued now, 200 with the person's existing card."""
    ctx = ctx_of(request)
    held, created = await service.collect(ctx, caller_of(request), body)
    held = await service.held_card(caller_of(request), held.card.card_id)
    out = card_out(ctx, held)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


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


async def set_display(request: Request, body: DisplayRequest) -> CardOut:
    """Choose the dynamic or static QR code for this card."""
    ctx = ctx_of(request)
    held = await service.set_display(
        ctx, caller_of(request), request.path_params["card_id"], body.mode
    )
    return card_out(ctx, held)


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
    out = QrOut(
        payload=issued.payload,
        mode=issued.mode,
        expires_at=local(issued.expires_at, ctx_of(request).settings.timezone)
        if issued.expires_at
        else None,
        refresh_in=issued.refresh_in,
        svg=codes.svg(issued.payload) if query.with_svg else None,
    )
    return JSONResponse(out.model_dump(mode="json"))


async def admin_get_card(request: Request) -> AdminCardOut:
    """A card by id."""
    return await admin_card_out(
        ctx_of(request), await service.card_by_id(request.path_params["card_id"])
    )


async def admin_lookup(request: Request, body: CardLookupRequest) -> AdminCardOut:
    """Find a person's card by document number (audited)."""
    ctx = ctx_of(request)
    card = await service.find_by_identity(ctx, caller_of(request), body.id_type, body.id_number)
    return await admin_card_out(ctx, card)


def _admin_change(action: str):  # noqa: ANN202 - a small route factory
    async def change(request: Request, body: ReasonRequest) -> AdminCardOut:
        card = await service.card_by_id(request.path_params["card_id"])
        await lifecycle.change_status(
            ctx_of(request), card, action, caller_of(request), body.reason
        )
        return await admin_card_out(ctx_of(request), await service.card_by_id(card.card_id))

    change.__name__ = f"admin_{action}"
    change.__doc__ = f"Card lifecycle: {action.replace('_', ' ')}."
    return change


async def card_events(request: Request) -> CardEventList:
    """A card's lifecycle history, oldest first."""
    card = await service.card_by_id(request.path_params["card_id"])
    return CardEventList(
        events=[CardEventOut.model_validate(e) for e in await service.events(card.card_id)]
    )


async def add_blacklist(request: Request, body: BlacklistRequest) -> BlacklistOut:
    """Refuse a person any card."""
    entry = await service.add_to_blacklist(
        ctx_of(request), caller_of(request), body.id_type, body.id_number, body.reason
    )
    return BlacklistOut.model_validate(entry)


async def list_blacklist(request: Request) -> BlacklistList:
    """Every blacklist entry (no identity in clear)."""
    return BlacklistList(
        entries=[BlacklistOut.model_validate(e) for e in await service.blacklist()]
    )


async def remove_blacklist(request: Request) -> None:
    """Lift a blacklist entry."""
    try:
        entry_id = int(request.path_params["entry_id"])
    except ValueError:
        entry_id = -1
    await service.remove_from_blacklist(caller_of(request), entry_id)


CARD = "/api/v1/cards/{card_id}"
ADMIN_CARD = "/api/v1/admin/cards/{card_id}"
COLLECT_ERRORS = [
    "INVALID_ID_NUMBER",
    "OTP_INVALID",
    "REALNAME_MISMATCH",
    "BLACKLISTED",
    "CARD_LIMIT",
    "VALIDATION_ERROR",
]

routes = [
    api_route(
        "POST",
        "/api/v1/realname/otp",
        send_otp,
        body=OtpRequest,
        response=OtpOut,
        status=202,
        auth=RESIDENT,
        tags=["cards"],
        errors=["TOO_MANY_REQUESTS", "UPSTREAM_UNAVAILABLE"],
    ),
    api_route(
        "POST",
        "/api/v1/cards",
        collect_card,
        body=CollectRequest,
        response=CardOut,
        status=201,
        auth=RESIDENT,
        tags=["cards"],
        errors=COLLECT_ERRORS,
    ),
    api_route("GET", "/api/v1/cards", list_cards, response=CardList, auth=RESIDENT, tags=["cards"]),
    api_route("GET", CARD, get_card, response=CardOut, auth=RESIDENT, tags=["cards"]),
    api_route("DELETE", CARD, unbind_card, auth=RESIDENT, tags=["cards"]),
    api_route(
        "PUT",
        CARD + "/display",
        set_display,
        body=DisplayRequest,
        response=CardOut,
        auth=RESIDENT,
        tags=["cards"],
    ),
    api_route(
        "GET",
        CARD + "/qrcode",
        qr_code,
        query=QrQuery,
        response=QrOut,
        auth=RESIDENT,
        fold_auth=True,
        tags=["cards"],
        errors=["CARD_LOST", "CARD_FROZEN", "CARD_CANCELLED", "NOT_FOUND"],
    ),
    api_route(
        "POST",
        CARD + "/loss",
        report_loss,
        response=CardOut,
        auth=RESIDENT,
        tags=["cards"],
        errors=["INVALID_STATE"],
    ),
    api_route(
        "POST",
        CARD + "/restore",
        restore,
        response=CardOut,
        auth=RESIDENT,
        tags=["cards"],
        errors=["INVALID_STATE"],
    ),
    api_route(
        "POST",
        "/api/v1/admin/cards/lookup",
        admin_lookup,
        body=CardLookupRequest,
        response=AdminCardOut,
        auth=ADMIN,
        tags=["admin"],
    ),
    api_route("GET", ADMIN_CARD, admin_get_card, response=AdminCardOut, auth=ADMIN, tags=["admin"]),
    api_route(
        "GET",
        ADMIN_CARD + "/events",
        card_events,
        response=CardEventList,
        auth=ADMIN,
        tags=["admin"],
    ),
    *[
        api_route(
            "POST",
            f"{ADMIN_CARD}/{action}",
            _admin_change(action),
            body=ReasonRequest,
            response=AdminCardOut,
            auth=ADMIN,
            tags=["admin"],
            errors=["INVALID_STATE"],
        )
        for action in ("freeze", "unfreeze", "cancel")
    ],
    api_route(
        "POST",
        "/api/v1/admin/blacklist",
        add_blacklist,
        body=BlacklistRequest,
        response=BlacklistOut,
        status=201,
        auth=ADMIN,
        tags=["admin"],
    ),
    api_route(
        "GET",
        "/api/v1/admin/blacklist",
        list_blacklist,
        response=BlacklistList,
        auth=ADMIN,
        tags=["admin"],
    ),  # fmt: skip
    api_route(
        "DELETE", "/api/v1/admin/blacklist/{entry_id}", remove_blacklist, auth=ADMIN, tags=["admin"]
    ),
]
