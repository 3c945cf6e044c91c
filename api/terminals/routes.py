"""``/pos/verify`` for terminals, ``/peer/verify`` for peer centres, and terminal admin."""

from __future__ import annotations

from api.audit import service as audit
from api.auth import service as clients
from api.cards.physical import ChipHolder
from api.cards.settings import qr_lifetime, set_qr_lifetime
from api.terminals import service
from api.terminals.models import Terminal
from api.terminals.schemas import (
    PeerVerifiedOut,
    PeerVerifyRequest,
    PhysicalCardOut,
    PhysicalCardRequest,
    QrSettings,
    QrSettingsOut,
    TerminalCreate,
    TerminalList,
    TerminalOut,
    VerifiedOut,
    VerifyRequest,
)
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route
from api.web.http import Request

ADMIN = ("admin",)
VERIFY_ERRORS = [
    "QR_MALFORMED",
    "QR_FORGED",
    "QR_EXPIRED",
    "QR_REPLAYED",
    "CARD_LOST",
    "CARD_FROZEN",
    "CARD_CANCELLED",
    "PEER_UNAVAILABLE",
    "UNKNOWN_ISSUER",
    "TOO_MANY_REQUESTS",
]


async def terminal_out(terminal: Terminal, secret: str | None = None) -> TerminalOut:
    """A terminal as the admin API shows it."""
    client = await clients.get_client(terminal.terminal_id)
    return TerminalOut(
        terminal_id=terminal.terminal_id,
        name=terminal.name,
        institution_code=terminal.institution_code,
        kind=terminal.kind,
        channel_code=terminal.channel_code,
        status=client.status,
        created_at=terminal.created_at,
        terminal_secret=secret,
    )


async def verify(request: Request, body: VerifyRequest) -> dict[str, object]:
    """Verify a scanned health-card code; returns who it is and this hospital's patient id."""
    caller = caller_of(request)
    card, patient_id = await service.verify_at_terminal(
        ctx_of(request), caller, body.qr, body.scene
    )
    # The VerifiedOut shape, built directly: this is the busiest answer of the API.
    return {**card.to_dict(), "patient_id": patient_id}


async def link_physical_card(request: Request, body: PhysicalCardRequest) -> PhysicalCardOut:
    """Identify the holder of a chip health card read at the counter and link the chip to
    their e-card, issuing the e-card if they have none (no new real-name check: the chip card
    was issued in person)."""
    chip = ChipHolder(
        name=body.name,
        id_type=body.id_type,
        id_number=body.id_number,
        card_issuer_code=body.card_issuer_code,
        chip_serial=body.chip_serial,
        phone=body.phone,
    )
    card, patient_id, issued = await service.link_physical_card(
        ctx_of(request), caller_of(request), chip, body.scene
    )
    return PhysicalCardOut(**card.to_dict(), patient_id=patient_id, issued=issued)


async def peer_verify(request: Request, body: PeerVerifyRequest) -> PeerVerifiedOut:
    """(Peer card centres) verify one of our codes scanned at one of your terminals."""
    card = await service.verify_for_peer(
        ctx_of(request), caller_of(request), body.qr, body.scene, body.institution_code,
        body.terminal_id,
    )  # fmt: skip
    return PeerVerifiedOut(**card.to_dict())


async def create_terminal(request: Request, body: TerminalCreate) -> TerminalOut:
    """Register a terminal; its secret is shown only in this answer."""
    terminal, secret = await service.register(
        ctx_of(request), body.name, body.institution_code, body.kind
    )
    await audit.record(
        caller_of(request),
        "terminal.create",
        target_type="terminal",
        target_id=terminal.terminal_id,
    )
    return await terminal_out(terminal, secret)


async def list_terminals(request: Request) -> TerminalList:
    """Every terminal."""
    return TerminalList(terminals=[await terminal_out(t) for t in await service.list_terminals()])


async def revoke_terminal(request: Request) -> TerminalOut:
    """Revoke a terminal: its tokens end and it can sign no more."""
    terminal = await service.get_terminal(request.path_params["terminal_id"])
    await clients.revoke_client(ctx_of(request), terminal.terminal_id)
    await audit.record(
        caller_of(request),
        "terminal.revoke",
        target_type="terminal",
        target_id=terminal.terminal_id,
    )
    return await terminal_out(terminal)


async def rotate_terminal(request: Request) -> TerminalOut:
    """A new secret for a terminal, shown once; the old one stops working."""
    terminal = await service.get_terminal(request.path_params["terminal_id"])
    _, secret = await clients.rotate_secret(ctx_of(request), terminal.terminal_id)
    await audit.record(
        caller_of(request),
        "terminal.rotate",
        target_type="terminal",
        target_id=terminal.terminal_id,
    )
    return await terminal_out(terminal, secret)


async def get_qr_settings(request: Request) -> QrSettingsOut:
    """The dynamic code lifetime in force."""
    return QrSettingsOut(lifetime=await qr_lifetime(ctx_of(request)))


async def put_qr_settings(request: Request, body: QrSettings) -> QrSettingsOut:
    """Change the dynamic code lifetime (5–120 s) for codes issued from now on."""
    await set_qr_lifetime(ctx_of(request), body.lifetime)
    await audit.record(caller_of(request), "settings.qr", detail={"lifetime": body.lifetime})
    return QrSettingsOut(lifetime=body.lifetime)


TERMINAL = "/api/v1/admin/terminals/{terminal_id}"

routes = [
    api_route(
        "POST",
        "/api/v1/pos/verify",
        verify,
        body=VerifyRequest,
        response=VerifiedOut,
        auth=("client",),
        scope="pos",
        fold_auth=True,
        tags=["terminals"],
        errors=VERIFY_ERRORS,
    ),
    api_route(
        "POST",
        "/api/v1/pos/physical-cards",
        link_physical_card,
        body=PhysicalCardRequest,
        response=PhysicalCardOut,
        auth=("client",),
        scope="pos",
        tags=["terminals"],
        errors=[
            "VALIDATION_ERROR",
            "BLACKLISTED",
            "REALNAME_MISMATCH",
            "PHYSICAL_CARD_CONFLICT",
            "CARD_LOST",
            "CARD_FROZEN",
            "CARD_CANCELLED",
        ],
    ),
    api_route(
        "POST",
        "/api/v1/peer/verify",
        peer_verify,
        body=PeerVerifyRequest,
        response=PeerVerifiedOut,
        auth=("client",),
        scope="peer",
        tags=["terminals"],
        errors=VERIFY_ERRORS,
    ),
    api_route(
        "POST",
        "/api/v1/admin/terminals",
        create_terminal,
        body=TerminalCreate,
        response=TerminalOut,
        status=201,
        auth=ADMIN,
        tags=["admin"],
    ),
    api_route(
        "GET",
        "/api/v1/admin/terminals",
        list_terminals,
        response=TerminalList,
        auth=ADMIN,
        tags=["admin"],
    ),  # fmt: skip
    api_route(
        "POST",
        TERMINAL + "/revoke",
        revoke_terminal,
        response=TerminalOut,
        auth=ADMIN,
        tags=["admin"],
    ),  # fmt: skip
    api_route(
        "POST",
        TERMINAL + "/rotate",
        rotate_terminal,
        response=TerminalOut,
        auth=ADMIN,
        tags=["admin"],
    ),  # fmt: skip
    api_route(
        "GET",
        "/api/v1/admin/settings/qr",
        get_qr_settings,
        response=QrSettingsOut,
        auth=ADMIN,
        tags=["admin"],
    ),  # fmt: skip
    api_route(
        "PUT",
        "/api/v1/admin/settings/qr",
        put_qr_settings,
        body=QrSettings,
        response=QrSettingsOut,
        auth=ADMIN,
        tags=["admin"],
    ),
]
