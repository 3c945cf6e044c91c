"""The card centre's changes to terminals (register, revoke, new secret), each recorded in the
audit trail as the acting admin's."""

from __future__ import annotations

from api import policy
from api.audit import service as audit
from api.auth import service as clients
from api.context import AppContext
from api.institutions import service as institutions
from api.principals import Caller
from api.terminals import service
from api.terminals.models import Terminal


async def _visible(actor: Caller, action: str, terminal_id: str) -> Terminal:
    policy.require(actor, action)
    terminal = await service.get_terminal(terminal_id)
    policy.check(actor, action, await institutions.place_of(terminal.institution_code), "terminal")
    return terminal


async def list_terminals(actor: Caller) -> list[Terminal]:
    """The terminals inside the actor's reach."""
    codes = await institutions.codes_within(policy.require(actor, "terminal.read"))
    found = await service.list_terminals()
    return [t for t in found if codes is None or t.institution_code in codes]


async def register_terminal(
    ctx: AppContext, actor: Caller, name: str, institution_code: str, kind: str
) -> tuple[Terminal, str]:
    """A terminal and its API client; the secret is returned only this once."""
    policy.check(actor, "terminal.manage", await institutions.place_of(institution_code),
                 "institution")  # fmt: skip
    await institutions.refuse_inactive(institution_code)
    terminal, secret = await service.register(ctx, name, institution_code, kind)
    await audit.record(
        actor, "terminal.create", target_type="terminal", target_id=terminal.terminal_id
    )
    return terminal, secret


async def revoke_terminal(ctx: AppContext, actor: Caller, terminal_id: str) -> Terminal:
    """Revoke a terminal: its tokens end and it can sign no more."""
    terminal = await _visible(actor, "terminal.manage", terminal_id)
    await clients.revoke_client(ctx, terminal.terminal_id)
    await audit.record(actor, "terminal.revoke", target_type="terminal", target_id=terminal_id)
    return terminal


async def rotate_terminal(ctx: AppContext, actor: Caller, terminal_id: str) -> tuple[Terminal, str]:
    """A new secret for a terminal, shown once; the old one stops working."""
    terminal = await _visible(actor, "terminal.manage", terminal_id)
    _, secret = await clients.rotate_secret(ctx, terminal.terminal_id)
    await audit.record(actor, "terminal.rotate", target_type="terminal", target_id=terminal_id)
    return terminal, secret
