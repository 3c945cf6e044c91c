"""Signing the clerk's page in, two ways, to the same terminal access token (scope ``pos``):

- with the terminal's id and secret: the card centre signs the token request on the page's
  behalf (an HMAC-SM3 a browser cannot compute), as the terminal would itself;
- as a ``clerk`` (an admin user scoped to one institution: password + TOTP, the same checks and
  lock-out as the console's sign-in) at one of its institution's windows. The token acts as
  that window (usage records, patient records, charges name it) and the audit names the clerk.
  It lives one access-token lifetime and is renewed by :func:`renew` until the shift ends (one
  admin-session lifetime after sign-in); disabling the clerk or revoking the window ends it.

Who may work a counter, and where, is the policy's ``counter.work``: a clerk at its own
institution only.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from api import policy, tokens
from api.admin import service as admin_sessions
from api.admin.models import AdminUser
from api.audit import service as audit
from api.auth.models import Client
from api.auth.schemas import TokenOut, TokenRequest
from api.auth.service import issue_access_token
from api.auth.signatures import hmac_signature
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.principals import Caller, Origin
from api.terminals.models import Terminal


async def sign_in(ctx: AppContext, terminal_id: str, secret: str) -> tuple[TokenOut, Terminal]:
    """An access token for the terminal whose credentials the clerk typed, and the terminal
    (``BAD_SIGNATURE`` for anything that is not a terminal's id and secret)."""
    terminal = await Terminal.get_or_none(terminal_id=terminal_id)
    if terminal is None:
        raise DomainError("BAD_SIGNATURE", "unknown terminal or wrong secret")
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    request = TokenRequest(
        client_id=terminal_id, timestamp=stamp, nonce=nonce,
        signature=hmac_signature(secret, terminal_id, stamp, nonce),
    )  # fmt: skip
    return await issue_access_token(ctx, request), terminal


async def sign_in_clerk(
    ctx: AppContext,
    username: str,
    password: str,
    code: str,
    terminal_id: str | None,
    origin: Origin,
) -> tuple[TokenOut, Terminal]:
    """A clerk signs in at a window of its institution (``terminal_id``; may be left out when
    the institution has one counter window). Wrong credentials are ``BAD_CREDENTIALS`` with the
    console's lock-out; a role that may not work a counter is ``FORBIDDEN``; a window outside
    the clerk's institution is ``NOT_FOUND``."""
    session, _ = await admin_sessions.sign_in(ctx, username, password, code, origin)
    claims = await tokens.resolve(ctx.kv, session)
    await tokens.revoke(ctx.kv, session)  # the page holds the window's token, not a session
    assert claims is not None
    clerk = Caller(kind="admin", id=str(claims["sub"]), attrs=claims["attrs"], ip=origin.ip,
                   request_id=origin.request_id)  # fmt: skip
    reach = policy.require(clerk, "counter.work")
    terminal = await _window(reach, terminal_id)
    shift_ends = int(time.time()) + ctx.settings.admin_session_ttl
    attrs = {"client_kind": "terminal", "institution_code": terminal.institution_code,
             "username": username, "clerk_id": clerk.id, "shift_ends": shift_ends}  # fmt: skip
    token = await _issue(ctx, terminal, attrs)
    await audit.record(clerk, "counter.sign_in", target_type="terminal",
                       target_id=terminal.terminal_id)  # fmt: skip
    return token, terminal


def _may_work(user: AdminUser, terminal: Terminal) -> bool:
    """The user's role and scope, as they are now, still let it work this window."""
    now_as = Caller(kind="admin", id=str(user.id), attrs={"role": user.role, "scope": user.scope})
    place = policy.Place(institution_code=terminal.institution_code)
    return policy.may(now_as, "counter.work") and policy.reach_of(now_as).covers(place)


async def _window(reach: policy.Reach, terminal_id: str | None) -> Terminal:
    """The clerk's window: the one named (inside the clerk's reach), or its institution's only
    counter window."""
    if terminal_id:
        terminal = await Terminal.get_or_none(terminal_id=terminal_id)
        if terminal is None or not reach.covers(
            policy.Place(institution_code=terminal.institution_code)
        ):
            raise not_found("terminal")
        return terminal
    windows = (
        await Terminal.filter(institution_code=reach.institution_code, kind="counter")
        if reach.institution_code
        else []
    )
    if len(windows) != 1:
        raise DomainError("VALIDATION_ERROR", "name the window (terminal_id) you work at")
    return windows[0]


async def _issue(ctx: AppContext, terminal: Terminal, attrs: dict[str, Any]) -> TokenOut:
    """The window's token for the clerk, until the shift ends at the latest."""
    client = await Client.get_or_none(client_id=terminal.terminal_id)
    if client is None or client.status != "active":
        raise DomainError("CLIENT_REVOKED", "this window's terminal has been revoked")
    ttl = min(ctx.settings.access_token_ttl, int(attrs["shift_ends"] - time.time()))
    if ttl <= 0:
        raise DomainError("UNAUTHENTICATED", "the shift is over: sign in again")
    claims = {"kind": "client", "sub": terminal.terminal_id, "scopes": list(client.scopes),
              "attrs": attrs}  # fmt: skip
    token = await tokens.issue(ctx.kv, claims, ttl)
    # Ended with the window (its client's group) and with the clerk (the admin's group). Each
    # group is kept as long as its longest-lived members, so no member outlives its group.
    name = tokens.token_key(token)
    await ctx.kv.add_to_set(key("tokgroup", f"client:{terminal.terminal_id}"), name,
                            ctx.settings.access_token_ttl)  # fmt: skip
    await ctx.kv.add_to_set(key("tokgroup", f"admin:{attrs['clerk_id']}"), name,
                            ctx.settings.admin_session_ttl)  # fmt: skip
    return TokenOut(access_token=token, expires_in=ttl)


async def renew(ctx: AppContext, token: str) -> TokenOut:
    """A fresh token for a clerk's live one (which ends now), while the clerk is still active
    and the shift lasts; anything else is ``UNAUTHENTICATED``."""
    claims = await tokens.resolve(ctx.kv, token)
    attrs = (claims or {}).get("attrs", {})
    if not claims or claims.get("kind") != "client" or "clerk_id" not in attrs:
        raise DomainError("UNAUTHENTICATED", "only a clerk's live counter token is renewed")
    user = await AdminUser.get_or_none(id=int(attrs["clerk_id"]), is_active=True)
    terminal = await Terminal.get_or_none(terminal_id=claims["sub"])
    if user is None or terminal is None or not _may_work(user, terminal):
        raise DomainError("UNAUTHENTICATED", "this clerk may no longer work this window")
    fresh = await _issue(ctx, terminal, attrs)
    await tokens.revoke(ctx.kv, token)
    return fresh


async def sign_out(ctx: AppContext, token: str) -> None:
    """The page's token ends now (the clerk leaves the window)."""
    await tokens.revoke(ctx.kv, token)
