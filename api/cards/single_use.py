"""A dynamic code is single-use: the first verification that presents it takes it, and every
later one is ``QR_REPLAYED`` (after its expiry it is ``QR_EXPIRED`` anyway).

A store that lost its data (a restart without persistence, a failover) would forget the claims:
the store epoch read in the same round trip refuses every code issued before the loss.

The claim is one key per card and nonce, set only when absent and kept for the rest of the
code's life (plus the clock skew a phone may have). It shares the card's hash tag, so that one
store script (:meth:`api.kv.Trip.claim_beside`) takes it and reads the card's state
(:mod:`api.cards.lifecycle`) in the same round trip as the scanner's gate. A code taken while
the gate turns out shut is given back, so a refused scan does not burn the holder's code.
"""

from __future__ import annotations

import itertools
import os
import secrets

from api.cards import lifecycle, qr
from api.cards.gate import Gate
from api.cards.lifecycle import CardState
from api.context import AppContext
from api.errors import DomainError
from api.kv import key

# What this worker writes into a code it takes (to give it back, or know it again): unique
# without asking the OS for randomness on every scan.
_WORKER = secrets.token_hex(6)
_CLAIMS = itertools.count()


def used_key(card_id: str, nonce: str) -> str:
    """Where the claim on one code lives (hash tag ``card:<id>``, as the card's state)."""
    return key("qr-used", f"card:{card_id}", nonce)


async def spend(
    ctx: AppContext,
    card_id: str,
    code: qr.DynamicCode,
    now: int,
    gate: Gate | None,
    lifetime: int,
) -> tuple[CardState | None, bool]:
    """Take ``code`` once and read the card's state and the store epoch, with the gate, in one
    round trip. A code issued before the epoch is refused: the store lost its data since, and
    with it the claims of codes spent before (api/kv.py: the store epoch).

    Returns the state (None for an unknown card) and whether this call took the code.
    """
    used = used_key(card_id, code.nonce)
    ttl = max(1, code.expires_at - now) + qr.CLOCK_SKEW
    mine = f"{_WORKER}:{os.getpid()}:{next(_CLAIMS)}"  # the pid tells forked workers apart
    trip = ctx.kv.trip()
    places = gate.ride(trip) if gate else None
    epoch = trip.epoch(now)
    at = trip.claim_beside(used, ttl, mine, lifecycle.state_key(card_id))
    answers = await trip.send()
    claim = answers[at]
    if gate and places:
        try:
            gate.settle(answers, places)
        except DomainError:
            if claim and claim.taken:
                await ctx.kv.unclaim(used, mine)
            raise
    if code.expires_at - lifetime <= answers[epoch]:
        raise DomainError("QR_EXPIRED", "this code predates a restart of the store; refresh it")
    if claim is not None:
        return CardState.decode(claim.beside), claim.taken
    # No copy of the state yet: fill it from the database, then take the code on its own.
    return await lifecycle.load(ctx, card_id), await ctx.kv.claim(used, ttl, mine)


def refuse_replay(taken: bool) -> None:
    """``QR_REPLAYED`` for a code an earlier verification took."""
    if not taken:
        raise DomainError("QR_REPLAYED", "this code has already been used; refresh it")
