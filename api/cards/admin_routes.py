"""The card centre's door of cards: look-up by document number, a card's lifecycle (freeze,
unfreeze, cancel) and history, and the blacklist."""

from __future__ import annotations

from api.cards import administration
from api.cards.schemas import (
    AdminCardList,
    AdminCardOut,
    AdminCardQuery,
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
from api.cards.views import admin_card_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


async def admin_get_card(request: Request) -> AdminCardOut:
    """A card by id."""
    found = await administration.card(caller_of(request), request.path_params["card_id"])
    return await admin_card_out(ctx_of(request), found)


async def admin_list_cards(request: Request, query: AdminCardQuery) -> AdminCardList:
    """Cards by lifecycle status and holder's region (lost, frozen, cancelled…), newest
    change first."""
    found = await administration.listing(
        caller_of(request), query.status, query.region, query.limit
    )
    ctx = ctx_of(request)
    return AdminCardList(cards=[await admin_card_out(ctx, c) for c in found])


async def admin_lookup(request: Request, body: CardLookupRequest) -> AdminCardOut:
    """Find a person's card by document number (audited)."""
    ctx = ctx_of(request)
    card = await administration.lookup(ctx, caller_of(request), body.id_type, body.id_number)
    return await admin_card_out(ctx, card)


def _admin_change(action: str):  # noqa: ANN202 - a small route factory
    async def change(request: Request, body: ReasonRequest) -> AdminCardOut:
        card = await administration.change_status(
            ctx_of(request), caller_of(request), request.path_params["card_id"], action,
            body.reason,
        )  # fmt: skip
        return await admin_card_out(ctx_of(request), card)

    change.__name__ = f"admin_{action}"
    change.__doc__ = f"Card lifecycle: {action.replace('_', ' ')}."
    return change


async def admin_replace(request: Request) -> AdminCardOut:
    """Replace a card (补换卡): same card id, new code material; every earlier code is refused."""
    card = await administration.replace(
        ctx_of(request), caller_of(request), request.path_params["card_id"]
    )
    return await admin_card_out(ctx_of(request), card)


async def card_events(request: Request) -> CardEventList:
    """A card's lifecycle history, oldest first."""
    found = await administration.events(caller_of(request), request.path_params["card_id"])
    return CardEventList(events=[CardEventOut.model_validate(e) for e in found])


async def add_blacklist(request: Request, body: BlacklistRequest) -> BlacklistOut:
    """Blacklist a person: no card for them, and their card is refused wherever it is used."""
    entry = await administration.add_to_blacklist(
        ctx_of(request), caller_of(request), body.id_type, body.id_number, body.reason
    )
    return BlacklistOut.model_validate(entry)


async def list_blacklist(request: Request) -> BlacklistList:
    """Blacklist entries inside your scope (no identity in clear)."""
    found = await administration.blacklist(caller_of(request))
    return BlacklistList(entries=[BlacklistOut.model_validate(e) for e in found])


async def remove_blacklist(request: Request) -> None:
    """Lift a blacklist entry."""
    try:
        entry_id = int(request.path_params["entry_id"])
    except ValueError:
        entry_id = -1
    await administration.remove_from_blacklist(ctx_of(request), caller_of(request), entry_id)


async def get_qr_settings(request: Request) -> QrSettingsOut:
    """The dynamic code lifetime in force."""
    return QrSettingsOut(
        lifetime=await administration.qr_settings(ctx_of(request), caller_of(request))
    )


async def put_qr_settings(request: Request, body: QrSettings) -> QrSettingsOut:
    """Change the dynamic code lifetime (5–120 s) for codes issued from now on."""
    await administration.set_qr_lifetime(ctx_of(request), caller_of(request), body.lifetime)
    return QrSettingsOut(lifetime=body.lifetime)


ADMIN_CARD = "/api/v1/admin/cards/{card_id}"

routes = [
    admin_route("POST", "/api/v1/admin/cards/lookup", admin_lookup, body=CardLookupRequest,
                response=AdminCardOut, errors=["NOT_FOUND", "INVALID_ID_NUMBER"]),
    admin_route("GET", "/api/v1/admin/cards", admin_list_cards, query=AdminCardQuery,
                response=AdminCardList),
    admin_route("GET", ADMIN_CARD, admin_get_card, response=AdminCardOut),
    admin_route("POST", ADMIN_CARD + "/replace", admin_replace, response=AdminCardOut,
                errors=["INVALID_STATE"]),
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
