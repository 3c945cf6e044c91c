"""The card centre's changes to terminals (register, revoke, new secret), each recorded in the
audit trail as the acting admin's."""

from __future__ import annotations

from api.audit import service as audit
from api.auth import service as clients
from api.context import AppContext
from api.principals import Caller
from api.terminals import service
from api.terminals.models import Terminal


async def register_terminal(
    ctx: AppContext, actor: Caller, name: str, institution_code: str, kind: str
) -> tuple[Terminal, str]:
    """A terminal and its API client; the secret is returned only this once."""
    terminal, secret = await service.register(ctx, name, institution_code, kind)
    await audit.record(
        actor, "terminal.create", target_type="terminal", target_id=terminal.terminal_id
    )
    return terminal, secret


async def revoke_terminal(ctx: AppContext, actor: Caller, terminal_id: str) -> Terminal:
    """Revoke a terminal: its tokens end and it can sign no more."""
    terminal = await service.get_terminal(terminal_id)
    await clients.revoke_client(ctx, terminal.terminal_id)
    await audit.record(actor, "terminal.revoke", target_type="terminal", target_id=terminal_id)
    return terminal


async def rotate_terminal(ctx: AppContext, actor: Caller, terminal_id: str) -> tuple[Terminal, str]:
    """A new secret for a terminal, shown once; the old one stops working."""
    terminal = await service.get_terminal(terminal_id)
    _, secret = await clients.rotate_secret(ctx, terminal.terminal_id)
    await audit.record(actor, "terminal.rotate", target_type="terminal", target_id=terminal_id)
    return terminal, secret
