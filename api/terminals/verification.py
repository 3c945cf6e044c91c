"""One verification path for every terminal call: parse → issuer → local or forwarded →
MAC/TOTP → consume and card state (one atomic Redis step, in the same round trip as the
caller's token and storm checks) → identity."""

from __future__ import annotations

import itertools
import os
import secrets
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.cards import material as card_material
from api.cards import qr
from api.cards import state as card_state
from api.cards.identity import Identity
from api.cards.models import Card
from api.cards.state import CardState
from api.context import AppContext
from api.errors import DomainError, too_many
from api.kv import KV, Trip, key
from api.masking import mask_id_number
from api.terminals import peers
from api.terminals.settings_store import qr_lifetime
from api.tokens import TokenCheck

STATUS_ERRORS = {"lost": "CARD_LOST", "frozen": "CARD_FROZEN", "cancelled": "CARD_CANCELLED"}


@dataclass(frozen=True)
class VerifiedCard:
    """Who the scanned code belongs to, as a terminal may see it (name in full)."""

    card_id: str
    issuer: str
    name: str
    gender: str
    birth_date: date | None
    id_number_masked: str
    status: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (for peer answers)."""
        return {
            "card_id": self.card_id,
            "issuer": self.issuer,
            "name": self.name,
            "gender": self.gender,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "id_number_masked": self.id_number_masked,
            "status": self.status,
        }


def refuse_unusable(status: str) -> None:
    """``CARD_LOST`` / ``CARD_FROZEN`` / ``CARD_CANCELLED`` for a card that may not be used."""
    if status in STATUS_ERRORS:
        raise DomainError(STATUS_ERRORS[status], f"this card is {status}")


@dataclass
class Gate:
    """What must hold before a terminal may spend a code: its token still alive and the
    terminal not slowed by a storm of forged codes. The gate's reads ride in the round trip
    that spends the code (:meth:`ride`, :meth:`settle`); a code taken while the gate turns out
    shut is given back. :meth:`hold` checks it on its own (refusals, forwarded codes)."""

    token: TokenCheck | None
    storm_key: str
    limit: int
    window: int
    settled: bool = False

    def ride(self, trip: Trip) -> tuple[int, int]:
        """Queue the gate's reads; their places in the answers."""
        return (self.token.ride(trip) if self.token else -1, trip.get(self.storm_key))

    def settle(self, answers: list[Any], places: tuple[int, int]) -> None:
        """``UNAUTHENTICATED`` for a dead token, ``TOO_MANY_REQUESTS`` for a slowed terminal."""
        self.settled = True
        if self.token:
            self.token.settle(answers[places[0]])
        count = answers[places[1]]
        if count and int(count) >= self.limit:
            raise too_many(self.window, "too many invalid codes from this terminal; wait a minute")

    async def hold(self, kv: KV) -> None:
        """Check the gate in a round trip of its own, unless that is done already."""
        if not self.settled:
            trip = kv.trip()
            places = self.ride(trip)
            self.settle(await trip.send(), places)


# What this worker writes into a code it takes (to give it back, or know it again): unique
# without asking the OS for randomness on every scan.
_WORKER = secrets.token_hex(6)
_CLAIMS = itertools.count()


def _used_key(card_id: str, nonce: str) -> str:
    # Kept until the code expires: the first verification wins, later ones are replays. Same
    # hash tag as the card's state, so that one script reads one and takes the other.
    return key("qr-used", f"card:{card_id}", nonce)


async def verify_local(
    ctx: AppContext, payload: qr.DynamicCode | qr.StaticCode, gate: Gate | None = None
) -> VerifiedCard:
    """Verify one of our own codes and consume it if dynamic: one round trip to the store
    (gate, the card's state and the single-use claim) once this worker knows the card."""
    if gate and not card_material.knows_ref(ctx, payload.ref):
        # A reference this worker has not seen costs a database read: a throttled terminal's
        # forged codes are refused before it.
        await gate.hold(ctx.kv)
    found = await card_material.by_ref(ctx, payload.ref)
    if found is None:
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    now = int(time.time())
    if isinstance(payload, qr.DynamicCode):
        lifetime = await qr_lifetime(ctx)
        qr.check_dynamic(payload, found.totp_key, now, likely_lifetime=lifetime)
        state, taken = await _spend(ctx, found.card_id, payload, now, gate, lifetime)
    else:
        qr.check_static(payload, ctx.keys.issuer_key)
        state, taken = await _read_state(ctx, found.card_id, gate), True
    if state is None or state.ref != payload.ref:  # the reference was rotated away
        card_material.forget_ref(ctx, payload.ref)
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    if not taken:
        raise DomainError("QR_REPLAYED", "this code has already been used; refresh it")
    refuse_unusable(state.status)
    card_state.refuse_barred(state)
    return VerifiedCard(
        card_id=found.card_id,
        issuer=found.issuer,
        name=found.holder_name(ctx),
        gender=found.gender,
        birth_date=found.birth_date,
        id_number_masked=found.id_number_masked,
        status=state.status,
    )


async def _spend(
    ctx: AppContext,
    card_id: str,
    payload: qr.DynamicCode,
    now: int,
    gate: Gate | None,
    lifetime: int,
) -> tuple[CardState | None, bool]:
    """Take the code once and read the card's state and the store epoch, with the gate, in
    one round trip. A code issued before the epoch is refused (api/kv.py: the store epoch)."""
    used = _used_key(card_id, payload.nonce)
    ttl = max(1, payload.expires_at - now) + qr.CLOCK_SKEW
    mine = f"{_WORKER}:{os.getpid()}:{next(_CLAIMS)}"  # the pid tells forked workers apart
    trip = ctx.kv.trip()
    places = gate.ride(trip) if gate else None
    epoch = trip.epoch(now)
    at = trip.claim_beside(used, ttl, mine, card_state.state_key(card_id))
    answers = await trip.send()
    claim = answers[at]
    if gate and places:
        try:
            gate.settle(answers, places)
        except DomainError:
            if claim and claim.taken:
                await ctx.kv.unclaim(used, mine)
            raise
    if payload.expires_at - lifetime <= answers[epoch]:
        raise DomainError("QR_EXPIRED", "this code predates a restart of the store; refresh it")
    if claim is not None:
        return CardState.decode(claim.beside), claim.taken
    # No copy of the state yet: fill it from the database, then take the code on its own.
    return await card_state.load(ctx, card_id), await ctx.kv.claim(used, ttl, mine)


async def _read_state(ctx: AppContext, card_id: str, gate: Gate | None) -> CardState | None:
    """The card's state, with the gate, in one round trip."""
    trip = ctx.kv.trip()
    places = gate.ride(trip) if gate else None
    at = trip.get(card_state.state_key(card_id))
    answers = await trip.send()
    if gate and places:
        gate.settle(answers, places)
    raw = answers[at]
    return CardState.decode(raw) if raw else await card_state.load(ctx, card_id)


def verified_card(card: Card, identity: Identity) -> VerifiedCard:
    """What a terminal may see of ``card`` (its person loaded) and its holder."""
    return VerifiedCard(
        card_id=card.card_id,
        issuer=card.issuer,
        name=identity.name,
        gender=card.person.gender,
        birth_date=card.person.birth_date,
        id_number_masked=mask_id_number(identity.id_number),
        status=card.status,
    )


async def verify_any(
    ctx: AppContext,
    text: str,
    scene: str,
    institution_code: str,
    terminal_id: str,
    gate: Gate | None = None,
) -> VerifiedCard:
    """Verify a scanned payload, here or at its issuer's card centre."""
    payload = qr.parse(text)
    if payload.issuer == ctx.settings.issuer:
        return await verify_local(ctx, payload, gate)
    if gate:
        await gate.hold(ctx.kv)
    answer = await peers.forward_verify(
        ctx, payload.issuer, text, scene, institution_code, terminal_id
    )
    return VerifiedCard(
        card_id=answer["card_id"],
        issuer=answer["issuer"],
        name=answer["name"],
        gender=answer["gender"],
        birth_date=date.fromisoformat(answer["birth_date"]) if answer.get("birth_date") else None,
        id_number_masked=answer["id_number_masked"],
        status=answer["status"],
    )
