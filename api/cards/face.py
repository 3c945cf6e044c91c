"""Face sessions: a face check (:mod:`api.cards.face_check`) opened for one person by one
resident, usable once as proof that the resident is that person.

What we keep of a session, in Redis until it expires: who opened it and for whom (the person's
blind index and an HMAC of their name, never the name). A session is proof only for the
resident who opened it, for the person it was opened for, after the platform says the face
passed; :func:`burn` spends it once the whole use succeeds. A store that lost its data forgets
every session: they are refused, never accepted again.
"""

from __future__ import annotations

import json

from api.cards.face_check import FaceSession
from api.context import AppContext
from api.crypto import hmac_sm3_hex
from api.errors import DomainError
from api.kv import key


def _key(certify_id: str) -> str:
    return key("face", certify_id)


def _name_digest(ctx: AppContext, name: str) -> str:
    return hmac_sm3_hex(ctx.keys.ring.index_key, f"face\x00{name}".encode())


def failed(message: str = "the face check did not pass") -> DomainError:
    """403 ``FACE_CHECK_FAILED``."""
    return DomainError("FACE_CHECK_FAILED", message)


async def open_session(
    ctx: AppContext, user_id: str, person_idx: str, name: str, id_number: str
) -> FaceSession:
    """Ask the platform to check this person's face, for ``user_id``."""
    session = await ctx.adapters.face.start(name, id_number)
    record = {"u": user_id, "i": person_idx, "n": _name_digest(ctx, name)}
    await ctx.kv.set(_key(session.certify_id), json.dumps(record), session.expires_in)
    return session


async def check(ctx: AppContext, user_id: str, certify_id: str, person_idx: str, name: str) -> None:
    """Refuse with ``FACE_CHECK_FAILED`` unless ``certify_id`` is a live session this user opened
    for this person and the platform says the face passed."""
    raw = await ctx.kv.get(_key(certify_id))
    if raw is None:
        raise failed("no such face check (unknown, used or expired)")
    record = json.loads(raw)
    if (
        record["u"] != user_id
        or record["i"] != person_idx
        or record["n"] != _name_digest(ctx, name)
    ):
        raise failed("this face check was opened for someone else")
    outcome = await ctx.adapters.face.status(certify_id)
    if outcome == "pending":
        raise failed("the face check is not finished yet")
    if outcome != "passed":
        await ctx.kv.delete(_key(certify_id))
        raise failed()


async def burn(ctx: AppContext, certify_id: str) -> None:
    """Spend the session: exactly one use goes through with it."""
    if await ctx.kv.take(_key(certify_id)) is None:
        raise failed("this face check was just used")
