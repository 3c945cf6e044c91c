"""The card centre's door of cards: look-up by document number, a card's lifecycle (freeze,
unfreeze, cancel) and history, and the blacklist."""

from __future__ import annotations

from api.cards import administration, lifecycle, service
from api.cards.schemas import (
    AdminCardOut,
    BlacklistList,
    BlacklistOut,
    BlacklistRequest,
    CardEventList,
    CardEventOut,
    CardLookupRequest,
    QrSettings,
    QrSettingsOut,
    ReasonRequest,
)
from api.cards.settings import qr_lifetime
from api.cards.views import admin_card_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


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


async def get_qr_settings(request: Request) -> QrSettingsOut:
    """The dynamic code lifetime in force."""
    return QrSettingsOut(lifetime=await qr_lifetime(ctx_of(request)))


async def put_qr_settings(request: Request, body: QrSettings) -> QrSettingsOut:
    """Change the dynamic code lifetime (5–120 s) for codes issued from now on."""
    await administration.set_qr_lifetime(ctx_of(request), caller_of(request), body.lifetime)
    return QrSettingsOut(lifetime=body.lifetime)


ADMIN_CARD = "/api/v1/admin/cards/{card_id}"

routes = [
    admin_route("POST", "/api/v1/admin/cards/lookup", admin_lookup, body=CardLookupRequest,
                response=AdminCardOut, errors=["NOT_FOUND", "INVALID_ID_NUMBER"]),
    admin_route("GET", ADMIN_CARD, admin_get_card, response=AdminCardOut),
    admin_route("GET", ADMIN_CARD + "/events", card_events, response=CardEventList),
    *[
        admin_route("POST", f"{ADMIN_CARD}/{action}", _admin_change(action), body=ReasonRequest,
                    response=AdminCardOut, errors=["INVALID_STATE"])
        for action in ("freeze", "unfreeze", "cancel")
    ],
    admin_route("POST", "/api/v1/admin/blacklist", add_blacklist, body=BlacklistRequest,
                response=BlacklistOut, status=201),
    admin_route("GET", "/api/v1/admin/blacklist", list_blacklist, response=BlacklistList),
    admin_route("DELETE", "/api/v1/admin/blacklist/{entry_id}", remove_blacklist),
    admin_route("GET", "/api/v1/admin/settings/qr", get_qr_settings, response=QrSettingsOut),
    admin_route("PUT", "/api/v1/admin/settings/qr", put_qr_settings, body=QrSettings,
                response=QrSettingsOut),
]  # fmt: skip
