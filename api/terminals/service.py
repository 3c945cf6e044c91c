"""Terminals: registration, verification at the counter, patient records and usage events."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from api.audit import service as audit
from api.auth import service as clients
from api.cards import physical
from api.cards import state as card_state
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.principals import Caller
from api.terminals import verification
from api.terminals.models import TERMINAL_KINDS, CardUsage, PatientRecord, Terminal
from api.terminals.scenes import medstep_code

FORGED_LIMIT = 20  # forged or malformed codes per terminal per minute before it is slowed
FORGED_WINDOW = 60


async def register(
    ctx: AppContext, name: str, institution_code: str, kind: str
) -> tuple[Terminal, str]:
    """A terminal and its API client; the secret is returned only this once."""
    client, secret = await clients.create_client(
        ctx, name=name, kind="terminal", institution_code=institution_code
    )
    terminal = await Terminal.create(
        terminal_id=client.client_id,
        institution_code=institution_code,
        kind=kind,
        channel_code=TERMINAL_KINDS[kind],
        name=name,
    )
    return terminal, secret or ""


async def terminal_of(ctx: AppContext, caller: Caller) -> Terminal:
    """The terminal behind a terminal client's token (cached: revocation ends the token)."""
    terminal = ctx.cache.get(("terminal", caller.id))
    if terminal is None:
        terminal = await Terminal.get_or_none(terminal_id=caller.id)
        if terminal is None:
            raise DomainError("FORBIDDEN", "this client is not a registered terminal")
        ctx.cache.put(("terminal", caller.id), terminal)
    return terminal


def _storm_key(terminal_id: str) -> str:
    return key("qr-forged", f"term:{terminal_id}")


async def _count_forgery(ctx: AppContext, terminal_id: str) -> None:
    await ctx.kv.hit(_storm_key(terminal_id), FORGED_WINDOW)


async def patient_id_for(ctx: AppContext, institution_code: str, card_id: str, issuer: str) -> str:
    """The institution's patient id for a card, created at first use (自动建档)."""
    cached = ctx.cache.get(("patient", institution_code, card_id))
    if cached:
        return cached
    found = await PatientRecord.get_or_none(institution_code=institution_code, card_id=card_id)
    if found:
        ctx.cache.put(("patient", institution_code, card_id), found.patient_id)
        return found.patient_id
    try:
        record = await PatientRecord.create(
            institution_code=institution_code,
            card_id=card_id,
            issuer=issuer,
            patient_id="P" + secrets.token_hex(7).upper(),
        )
    except IntegrityError:  # the same card at two windows of one hospital at once
        record = await PatientRecord.get(institution_code=institution_code, card_id=card_id)
    ctx.cache.put(("patient", institution_code, card_id), record.patient_id)
    return record.patient_id


async def verify_at_terminal(
    ctx: AppContext, caller: Caller, text: str, scene: str
) -> tuple[verification.VerifiedCard, str]:
    """Verify a scanned code for a terminal; returns the card and the patient id.

    A terminal slowed by a storm of forged codes gets ``TOO_MANY_REQUESTS`` for every code
    until the window passes; that check rides in the verification's round trip.
    """
    terminal = await terminal_of(ctx, caller)
    scene, medstep = medstep_code(scene)
    gate = verification.Gate(
        caller.token_check, _storm_key(terminal.terminal_id), FORGED_LIMIT, FORGED_WINDOW
    )
    try:
        card = await verification.verify_any(
            ctx, text, scene, terminal.institution_code, terminal.terminal_id, gate
        )
    except DomainError as exc:
        await gate.hold(ctx.kv)  # a dead token or a slowed terminal is answered first
        if exc.code in ("QR_FORGED", "QR_MALFORMED"):
            await _count_forgery(ctx, terminal.terminal_id)
        raise
    patient_id = await patient_id_for(ctx, terminal.institution_code, card.card_id, card.issuer)
    _record_usage(ctx, caller, terminal, card.card_id, card.issuer, scene, medstep)
    return card, patient_id


async def link_physical_card(
    ctx: AppContext, caller: Caller, chip: physical.ChipHolder, scene: str
) -> tuple[verification.VerifiedCard, str, bool]:
    """Identify a chip-card holder at a terminal and link the chip to their e-card.

    Returns the card, this institution's patient id and whether the e-card was newly issued.
    """
    terminal = await terminal_of(ctx, caller)
    scene, medstep = medstep_code(scene)
    card, identity, created = await physical.link_physical_card(ctx, caller, chip)
    await card.fetch_related("person")
    verification.refuse_unusable(card.status)
    state = await card_state.current(ctx, card.card_id)
    if state is not None:
        card_state.refuse_barred(state)
    patient_id = await patient_id_for(ctx, terminal.institution_code, card.card_id, card.issuer)
    _record_usage(ctx, caller, terminal, card.card_id, card.issuer, scene, medstep)
    return verification.verified_card(card, identity), patient_id, created


def _record_usage(
    ctx: AppContext,
    caller: Caller,
    terminal: Terminal,
    card_id: str,
    issuer: str,
    scene: str,
    medstep: str,
) -> None:
    ctx.writer.add_values(
        CardUsage,
        card_id=card_id,
        issuer=issuer,
        institution_code=terminal.institution_code,
        terminal_id=terminal.terminal_id,
        channel_code=terminal.channel_code,
        medstep_code=medstep,
        scene=scene,
        at=datetime.now(UTC),
    )
    audit.record_later(
        ctx.writer, caller, "card.identity_read", target_type="card", target_id=card_id
    )


async def verify_for_peer(
    ctx: AppContext, caller: Caller, text: str, scene: str, institution_code: str, terminal_id: str
) -> verification.VerifiedCard:
    """A peer centre's terminal scanned one of our codes: verify it here and record the use."""
    scene, medstep = medstep_code(scene)
    payload = verification.qr.parse(text)
    if payload.issuer != ctx.settings.issuer:
        raise DomainError("UNKNOWN_ISSUER", "peers forward only codes of the centre they ask")
    card = await verification.verify_local(ctx, payload)
    ctx.writer.add_values(
        CardUsage,
        card_id=card.card_id,
        issuer=card.issuer,
        institution_code=institution_code,
        terminal_id=terminal_id,
        channel_code="0100",
        medstep_code=medstep,
        scene=scene,
        at=datetime.now(UTC),
    )
    audit.record_later(
        ctx.writer, caller, "card.identity_read", target_type="card", target_id=card.card_id
    )
    return card


async def list_terminals() -> list[Terminal]:
    """Every terminal."""
    return await Terminal.all().order_by("created_at")


async def get_terminal(terminal_id: str) -> Terminal:
    """A terminal by id, or 404."""
    terminal = await Terminal.get_or_none(terminal_id=terminal_id)
    if terminal is None:
        raise not_found("terminal")
    return terminal
