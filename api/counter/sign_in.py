"""Signing the clerk's page in with its terminal's credentials: the page sends them to the
card centre, which signs the token request on the page's behalf (an HMAC-SM3 a browser cannot
compute) and hands back the same access token the terminal would get itself."""

from __future__ import annotations

import secrets
import time

from api.auth.schemas import TokenOut, TokenRequest
from api.auth.service import issue_access_token
from api.auth.signatures import hmac_signature
from api.context import AppContext
from api.errors import DomainError
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
