"""Handing a card's QR code to its holder: dynamic (fresh each call) or static."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import segno

from api.cards import lifecycle, qr
from api.cards import material as card_material
from api.cards.settings import qr_lifetime
from api.context import AppContext
from api.errors import not_found
from api.principals import Caller


@dataclass(frozen=True)
class IssuedCode:
    payload: str
    mode: str
    expires_at: datetime | None
    refresh_in: int | None


async def issue(ctx: AppContext, caller: Caller, card_id: str, mode: str | None) -> IssuedCode:
    """A code for one of the caller's cards, in the requested or the card's display mode.

    One round trip to the store (the caller's token and the card's state) and no database
    query once this worker knows the card.
    """
    now = int(time.time())
    # A code verifies only if made after the store epoch began (single_use.spend): begin it
    # here at the latest, or every code made after the store came back empty and before the
    # first verification would be refused.
    state = await lifecycle.of_holder(ctx, caller, card_id, epoch_from=now)
    lifecycle.refuse_unusable(state.status)
    found = await card_material.by_id(ctx, card_id, state.ref)
    if found is None:  # the state was just read: only a deleted card gets here
        raise not_found("card")
    mode = mode or state.display_mode
    if mode == "static":
        payload = qr.issue_static(ctx.keys.issuer_key, found.issuer, state.ref)
        return IssuedCode(payload, "static", None, None)
    lifetime = await qr_lifetime(ctx)
    payload = qr.issue_dynamic(found.issuer, state.ref, found.totp_key, lifetime, now)
    # Ask the phone to refresh a little before the end, so a scan never meets a dead code.
    refresh_in = max(1, lifetime - min(10, lifetime // 4))
    return IssuedCode(payload, "dynamic", datetime.fromtimestamp(now + lifetime, UTC), refresh_in)


def svg(payload: str) -> str:
    """The QR image of a payload (medium error correction, quiet zone included)."""
    return segno.make(payload, error="m").svg_inline(scale=8)
