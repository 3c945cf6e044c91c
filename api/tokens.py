"""Opaque bearer tokens kept in Redis: access tokens, admin sessions and resident sessions.

Only the SM3 digest of a token is stored, so a copy of Redis hands out no usable token.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from api.crypto import sm3_hex
from api.errors import DomainError
from api.kv import KV, Trip, key

MAX_TOKEN_LENGTH = 128


def token_key(token: str) -> str:
    """Where a token's claims live: the SM3 digest of the token, never the token itself."""
    digest = sm3_hex(token.encode())
    return key("tok", digest[:16], digest[16:])


@dataclass
class TokenCheck:
    """A token whose claims this worker has already read. A token's claims never change while
    it lives, so all that is left to prove is that it still lives: the handler adds that read
    to its own round trip (:meth:`ride`, then :meth:`settle`) instead of paying one more.
    Revocation and expiry still take effect at once."""

    key: str
    claims_raw: str
    settled: bool = False

    def ride(self, trip: Trip) -> int:
        """Queue the liveness read in ``trip``; returns its place in the answers."""
        return trip.get(self.key)

    def settle(self, found: str | None) -> None:
        """``UNAUTHENTICATED`` unless the token still resolves to the claims it had."""
        self.settled = True
        if found != self.claims_raw:
            raise DomainError("UNAUTHENTICATED", "token unknown or expired")

    async def confirm(self, kv: KV) -> None:
        """Settle with a read of its own, unless a handler's round trip settled it already."""
        if not self.settled:
            self.settle(await kv.get(self.key))


async def issue(kv: KV, claims: dict[str, Any], ttl: int, *, group: str | None = None) -> str:
    """A new random token that resolves to ``claims`` for ``ttl`` seconds.

    ``group`` (e.g. ``client:<id>``) remembers the token so that :func:`revoke_group` can end
    every token of a revoked client or a signed-out user at once.
    """
    token = secrets.token_urlsafe(32)
    name = token_key(token)
    await kv.set(name, json.dumps(claims, separators=(",", ":")), ttl)
    if group:
        await kv.add_to_set(key("tokgroup", group), name, ttl)
    return token


async def resolve(kv: KV, token: str) -> dict[str, Any] | None:
    """The claims of a live token, or None when unknown or expired."""
    raw = await resolve_raw(kv, token)
    return json.loads(raw) if raw else None


async def resolve_raw(kv: KV, token: str) -> str | None:
    """The claims of a live token as stored (JSON), or None when unknown or expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return await kv.get(token_key(token))


async def revoke(kv: KV, token: str) -> None:
    """End one token now."""
    await kv.delete(token_key(token))


async def revoke_group(kv: KV, group: str) -> int:
    """End every token issued under ``group``; returns how many were live."""
    token_keys = await kv.members(key("tokgroup", group))
    count = await kv.delete(*token_keys)
    await kv.delete(key("tokgroup", group))
    return count
