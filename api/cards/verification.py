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
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from api import metrics
from api.cards import material as card_material
from api.cards import qr, single_use
from api.cards.gate import Gate, count_forgery
from api.cards.identity import Identity, open_identity
from api.cards.lifecycle import CardState, load, refuse_barred, refuse_unusable, state_key
from api.cards.models import Card
from api.cards.settings import qr_lifetime
from api.context import AppContext
from api.errors import DomainError
from api.masking import mask_id_number, mask_name, mask_phone
from api.tokens import TokenCheck

# Refusals that count towards a scanner's storm of forged codes.
FORGERIES = ("QR_FORGED", "QR_MALFORMED")


@dataclass(frozen=True)
class HolderIdentity:
    """The holder's full identity: shown to a terminal only for a new patient record or an
    audited explicit ask (API.md "Terminals see what they need")."""

    name: str
    id_type: str
    id_number: str
    birth_date: date | None
    phone_masked: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "name": self.name,
            "id_type": self.id_type,
            "id_number": self.id_number,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "phone_masked": self.phone_masked,
        }

    @classmethod
    def from_dict(cls, answer: dict[str, Any]) -> HolderIdentity:
        """The identity :meth:`to_dict` wrote (a peer centre's answer)."""
        birth = answer.get("birth_date")
        return cls(
            name=answer["name"],
            id_type=answer["id_type"],
            id_number=answer["id_number"],
            birth_date=date.fromisoformat(birth) if birth else None,
            phone_masked=answer.get("phone_masked"),
        )


def age_on(birth_date: date | None, today: date) -> int | None:
    """Whole years from ``birth_date`` to ``today``."""
    if birth_date is None:
        return None
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


@dataclass(frozen=True)
class VerifiedCard:
    """Who the scanned code belongs to, as a terminal may see it: the least that does the job
    (masked name, age), plus the full identity only when it is attached (:meth:`with_identity`)."""

    card_id: str
    issuer: str
    name_masked: str
    gender: str
    birth_date: date | None  # kept for the age; never answered outside the identity
    id_number_masked: str
    status: str
    identity: HolderIdentity | None = None
    kind: str = "standard"  # temporary and newborn cards: no document behind them yet

    def with_identity(self, identity: HolderIdentity | None) -> VerifiedCard:
        """The same card with the holder's full identity attached (or taken off)."""
        return replace(self, identity=identity)

    def to_dict(self, today: date | None = None) -> dict[str, object]:
        """JSON-ready fields: ``age`` as of ``today``; ``name`` and ``identity`` only when the
        identity is attached."""
        answer: dict[str, object] = {
            "card_id": self.card_id,
            "issuer": self.issuer,
            "name_masked": self.name_masked,
            "gender": self.gender,
            "age": age_on(self.birth_date, today or date.today()),
            "id_number_masked": self.id_number_masked,
            "status": self.status,
            "kind": self.kind,
        }
        if self.identity is not None:
            answer["name"] = self.identity.name
            answer["identity"] = self.identity.to_dict()
        return answer

    @classmethod
    def from_dict(cls, answer: dict[str, Any]) -> VerifiedCard:
        """The card a peer centre's answer (:meth:`to_dict`) names."""
        identity = answer.get("identity")
        held = HolderIdentity.from_dict(identity) if identity else None
        return cls(
            card_id=answer["card_id"],
            issuer=answer["issuer"],
            name_masked=answer["name_masked"],
            gender=answer["gender"],
            birth_date=held.birth_date if held else None,
            id_number_masked=answer["id_number_masked"],
            status=answer["status"],
            identity=held,
            kind=answer.get("kind", "standard"),
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
        name_masked=found.name_masked,
        gender=found.gender,
        birth_date=found.birth_date,
        id_number_masked=found.id_number_masked,
        status=state.status,
        kind=found.kind,
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


def holder_identity(card: Card, identity: Identity) -> HolderIdentity:
    """The full identity of ``card``'s holder (its person loaded), phone masked."""
    return HolderIdentity(
        name=identity.name,
        id_type=identity.id_type,
        id_number=identity.id_number,
        # A temporary card's birth date is an estimate from the age the clerk gave.
        birth_date=card.person.birth_date if card.kind != "temporary" else None,
        phone_masked=mask_phone(identity.phone) if identity.phone else None,
    )


def verified_card(card: Card, identity: Identity) -> VerifiedCard:
    """What a terminal may see of ``card`` (its person loaded) and its holder, the full
    identity attached (the caller takes it off when it may not be shown)."""
    return VerifiedCard(
        card_id=card.card_id,
        issuer=card.issuer,
        name_masked=mask_name(identity.name),
        gender=card.person.gender,
        birth_date=card.person.birth_date,
        id_number_masked=mask_id_number(identity.id_number),
        status=card.status,
        identity=holder_identity(card, identity),
        kind=card.kind,
    )


async def identity_of(ctx: AppContext, card_id: str) -> HolderIdentity:
    """The full identity of a card's holder (one database read; the caller audits it)."""
    card = await Card.get(card_id=card_id).select_related("person")
    return holder_identity(card, open_identity(ctx, card.person))
