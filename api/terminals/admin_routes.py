"""The card centre's door of terminals: registering, listing, revoking terminals, new
secrets."""

from __future__ import annotations

from api.auth import service as clients
from api.terminals import administration
from api.terminals.models import Terminal
from api.terminals.schemas import (
    TerminalCreate,
    TerminalList,
    TerminalOut,
)
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


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


async def create_terminal(request: Request, body: TerminalCreate) -> TerminalOut:
    """Register a terminal; its secret is shown only in this answer."""
    terminal, secret = await administration.register_terminal(
        ctx_of(request), caller_of(request), body.name, body.institution_code, body.kind
    )
    return await terminal_out(terminal, secret)


async def list_terminals(request: Request) -> TerminalList:
    """Every terminal."""
    return TerminalList(
        terminals=[
            await terminal_out(t) for t in await administration.list_terminals(caller_of(request))
        ]
    )


async def revoke_terminal(request: Request) -> TerminalOut:
    """Revoke a terminal: its tokens end and it can sign no more."""
    terminal = await administration.revoke_terminal(
        ctx_of(request), caller_of(request), request.path_params["terminal_id"]
    )
    return await terminal_out(terminal)


async def rotate_terminal(request: Request) -> TerminalOut:
    """A new secret for a terminal, shown once; the old one stops working."""
    terminal, secret = await administration.rotate_terminal(
        ctx_of(request), caller_of(request), request.path_params["terminal_id"]
    )
    return await terminal_out(terminal, secret)


TERMINAL = "/api/v1/admin/terminals/{terminal_id}"

routes = [
    admin_route("POST", "/api/v1/admin/terminals", create_terminal, body=TerminalCreate,
                response=TerminalOut, status=201),
    admin_route("GET", "/api/v1/admin/terminals", list_terminals, response=TerminalList),
    admin_route("POST", TERMINAL + "/revoke", revoke_terminal, response=TerminalOut),
    admin_route("POST", TERMINAL + "/rotate", rotate_terminal, response=TerminalOut),
]  # fmt: skip
