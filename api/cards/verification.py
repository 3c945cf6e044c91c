"""The one verification path for a scanned code: parse → issuer → ours or forwarded →
MAC/TOTP (:mod:`api.cards.qr`) → single-use claim and card state, in one round trip with the
scanner's gate (:mod:`api.cards.single_use`, :mod:`api.cards.gate`) → usable
(:func:`api.cards.lifecycle.refuse_unusable`) → who it is.

Terminals call :func:`verify`; a code of another issuer goes to the ``forward`` they hand in
(the peer centres are theirs), so this area never imports theirs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from api import metrics
from api.cards import material as card_material
from api.cards import qr, single_use
from api.cards.gate import Gate, count_forgery
from api.cards.identity import Identity
from api.cards.lifecycle import CardState, load, refuse_barred, refuse_unusable, state_key
from api.cards.models import Card
from api.cards.settings import qr_lifetime
from api.context import AppContext
from api.errors import DomainError
from api.masking import mask_id_number
from api.tokens import TokenCheck

# Refusals that count towards a scanner's storm of forged codes.
FORGERIES = ("QR_FORGED", "QR_MALFORMED")


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

    @classmethod
    def from_dict(cls, answer: dict[str, Any]) -> VerifiedCard:
        """The card a peer centre's answer (:meth:`to_dict`) names."""
        birth = answer.get("birth_date")
        return cls(
            card_id=answer["card_id"],
            issuer=answer["issuer"],
            name=answer["name"],
            gender=answer["gender"],
            birth_date=date.fromisoformat(birth) if birth else None,
            id_number_masked=answer["id_number_masked"],
            status=answer["status"],
        )


# How a code of another issuer is verified: (issuer, scanned text) → that issuer's answer.
Forward = Callable[[str, str], Awaitable[VerifiedCard]]


async def verify(
    ctx: AppContext,
    text: str,
    *,
    scanner: str | None = None,
    token: TokenCheck | None = None,
    forward: Forward | None = None,
) -> VerifiedCard:
    """Verify a scanned payload; a dynamic code is spent by the first verification.

    ``scanner`` (a terminal's id) passes the gate first: its ``token`` still alive and it not
    slowed by a storm of forged codes, which its forged or malformed codes count towards.
    A code of another issuer goes to ``forward``; without one it is ``UNKNOWN_ISSUER``.
    """
    gate = Gate.of(scanner, token) if scanner else None
    try:
        verified = await _verify(ctx, text, gate, forward)
    except DomainError as exc:
        metrics.VERIFICATIONS.labels(exc.code).inc()
        if gate and scanner:
            await gate.hold(ctx.kv)  # a dead token or a slowed scanner is answered first
            if exc.code in FORGERIES:
                await count_forgery(ctx, scanner)
        raise
    except Exception:
        metrics.VERIFICATIONS.labels(metrics.FAILED).inc()
        raise
    metrics.VERIFIED.inc()
    return verified


async def _verify(
    ctx: AppContext, text: str, gate: Gate | None, forward: Forward | None
) -> VerifiedCard:
    payload = qr.parse(text)
    if payload.issuer == ctx.settings.issuer:
        return await _verify_own(ctx, payload, gate)
    if forward is None:
        raise DomainError("UNKNOWN_ISSUER", "peers forward only codes of the centre they ask")
    if gate:
        await gate.hold(ctx.kv)
    return await forward(payload.issuer, text)


async def _verify_own(
    ctx: AppContext, payload: qr.DynamicCode | qr.StaticCode, gate: Gate | None
) -> VerifiedCard:
    """Verify one of our own codes and spend it if dynamic: one round trip to the store
    (gate, the card's state and the single-use claim) once this worker knows the card."""
    if gate and not card_material.knows_ref(ctx, payload.ref):
        # A reference this worker has not seen costs a database read: a throttled scanner's
        # forged codes are refused before it.
        await gate.hold(ctx.kv)
    found = await card_material.by_ref(ctx, payload.ref)
    if found is None:
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    now = int(time.time())
    if isinstance(payload, qr.DynamicCode):
        lifetime = await qr_lifetime(ctx)
        qr.check_dynamic(payload, found.totp_key, now, likely_lifetime=lifetime)
        state, taken = await single_use.spend(ctx, found.card_id, payload, now, gate, lifetime)
    else:
        qr.check_static(payload, ctx.keys.issuer_key)
        state, taken = await _read_state(ctx, found.card_id, gate), True
    if state is None or state.ref != payload.ref:  # the reference was rotated away
        card_material.forget_ref(ctx, payload.ref)
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    single_use.refuse_replay(taken)
    refuse_unusable(state.status)
    refuse_barred(state)
    return VerifiedCard(
        card_id=found.card_id,
        issuer=found.issuer,
        name=found.holder_name(ctx),
        gender=found.gender,
        birth_date=found.birth_date,
        id_number_masked=found.id_number_masked,
        status=state.status,
    )


async def _read_state(ctx: AppContext, card_id: str, gate: Gate | None) -> CardState | None:
    """The card's state, with the gate, in one round trip."""
    trip = ctx.kv.trip()
    places = gate.ride(trip) if gate else None
    at = trip.get(state_key(card_id))
    answers = await trip.send()
    if gate and places:
        gate.settle(answers, places)
    raw = answers[at]
    return CardState.decode(raw) if raw else await load(ctx, card_id)


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
