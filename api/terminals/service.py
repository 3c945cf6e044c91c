"""Terminals: registration, verification at the counter, patient records and usage events."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from api.audit import service as audit
from api.auth import service as clients
from api.cards import lifecycle, physical, verification
from api.cards.lifecycle import refuse_unusable
from api.cards.verification import VerifiedCard
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox import platform_records
from api.principals import Caller
from api.terminals import peers
from api.terminals.models import TERMINAL_KINDS, CardUsage, PatientRecord, Terminal
from api.terminals.scenes import medstep_code


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
) -> tuple[VerifiedCard, str]:
    """Verify a scanned code for a terminal (here, or at a peer centre for another issuer's
    code); returns the card and the patient id.

    A terminal slowed by a storm of forged codes gets ``TOO_MANY_REQUESTS`` for every code
    until the window passes; that check rides in the verification's round trip.
    """
    terminal = await terminal_of(ctx, caller)
    scene, medstep = medstep_code(scene)
    card = await verification.verify(
        ctx,
        text,
        scanner=terminal.terminal_id,
        token=caller.token_check,
        forward=peers.forwarder(ctx, scene, terminal.institution_code, terminal.terminal_id),
    )
    patient_id = await patient_id_for(ctx, terminal.institution_code, card.card_id, card.issuer)
    _record_usage(ctx, caller, terminal, card.card_id, card.issuer, scene, medstep)
    return card, patient_id


async def link_physical_card(
    ctx: AppContext, caller: Caller, chip: physical.ChipHolder, scene: str
) -> tuple[VerifiedCard, str, bool]:
    """Identify a chip-card holder at a terminal and link the chip to their e-card.

    Returns the card, this institution's patient id and whether the e-card was newly issued.
    """
    terminal = await terminal_of(ctx, caller)
    scene, medstep = medstep_code(scene)
    card, identity, created = await physical.link_physical_card(ctx, caller, chip)
    await card.fetch_related("person")
    refuse_unusable(card.status)
    state = await lifecycle.current(ctx, card.card_id)
    if state is not None:
        lifecycle.refuse_barred(state)
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
    use = {
        "issuer": issuer,
        "institution_code": terminal.institution_code,
        "terminal_id": terminal.terminal_id,
        "channel_code": terminal.channel_code,
        "medstep_code": medstep,
        "scene": scene,
    }
    ctx.writer.add_values(CardUsage, card_id=card_id, at=datetime.now(UTC), **use)
    platform_records.card_used(ctx.settings, ctx.writer, card_id, use)
    audit.record_later(
        ctx.writer, caller, "card.identity_read", target_type="card", target_id=card_id
    )


async def verify_for_peer(
    ctx: AppContext, caller: Caller, text: str, scene: str, institution_code: str, terminal_id: str
) -> VerifiedCard:
    """A peer centre's terminal scanned one of our codes: verify it here and record the use
    (a code of any other issuer is ``UNKNOWN_ISSUER``: peers forward only our own)."""
    scene, medstep = medstep_code(scene)
    card = await verification.verify(ctx, text)
    use = {
        "issuer": card.issuer,
        "institution_code": institution_code,
        "terminal_id": terminal_id,
        "channel_code": "0100",
        "medstep_code": medstep,
        "scene": scene,
    }
    ctx.writer.add_values(CardUsage, card_id=card.card_id, at=datetime.now(UTC), **use)
    platform_records.card_used(ctx.settings, ctx.writer, card.card_id, use)
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
