"""Opaque bearer tokens kept in Redis: access tokens, admin sessions and resident sessions.

Only the SM3 digest of a token is stored, so a copy of Redis hands out no usable token.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from api.crypto import sm3_hex
from api.kv import KV, key


def _token_key(token: str) -> str:
    digest = sm3_hex(token.encode())
    return key("tok", digest[:16], digest[16:])


async def issue(kv: KV, claims: dict[str, Any], ttl: int, *, group: str | None = None) -> str:
    """A new random token that resolves to ``claims`` for ``ttl`` seconds.

    ``group`` (e.g. ``client:<id>``) remembers the token so that :func:`revoke_group` can end
    every token of a revoked client or a signed-out user at once.
    """
    token = secrets.token_urlsafe(32)
    token_key = _token_key(token)
    await kv.set(token_key, json.dumps(claims, separators=(",", ":")), ttl)
    if group:
        await kv.add_to_set(key("tokgroup", group), token_key, ttl)
    return token


async def resolve(kv: KV, token: str) -> dict[str, Any] | None:
    """The claims of a live token, or None when unknown or expired."""
    if not token or len(token) > 128:
        return None
    raw = await kv.get(_token_key(token))
    return json.loads(raw) if raw else None


async def revoke(kv: KV, token: str) -> None:
    """End one token now."""
    await kv.delete(_token_key(token))


async def revoke_group(kv: KV, group: str) -> int:
    """End every token issued under ``group``; returns how many were live."""
    token_keys = await kv.members(key("tokgroup", group))
    count = await kv.delete(*token_keys)
    await kv.delete(key("tokgroup", group))
    return count
