"""Terminals: registration, verification at the counter, patient records and usage events.

A terminal sees the least identity that does the job: the masked name, gender, age and masked
ID number. The holder's full identity (name, document number, birth date, masked phone) comes
with the answer only when this scan created the institution's patient record (the HIS needs it
to open one) or the terminal asks ``with_identity``; either is audited as an identity read.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
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
    return (await patient_record(ctx, institution_code, card_id, issuer))[0]


async def patient_record(
    ctx: AppContext, institution_code: str, card_id: str, issuer: str
) -> tuple[str, bool]:
    """The institution's patient id for a card and whether this call created it."""
    cached = ctx.cache.get(("patient", institution_code, card_id))
    if cached:
        return cached, False
    found = await PatientRecord.get_or_none(institution_code=institution_code, card_id=card_id)
    if found:
        ctx.cache.put(("patient", institution_code, card_id), found.patient_id)
        return found.patient_id, False
    try:
        record = await PatientRecord.create(
            institution_code=institution_code,
            card_id=card_id,
            issuer=issuer,
            patient_id="P" + secrets.token_hex(7).upper(),
        )
        created = True
    except IntegrityError:  # the same card at two windows of one hospital at once
        record = await PatientRecord.get(institution_code=institution_code, card_id=card_id)
        created = False
    ctx.cache.put(("patient", institution_code, card_id), record.patient_id)
    return record.patient_id, created


@dataclass(frozen=True)
class TerminalVerification:
    """A verification as the terminal gets it: the card (its full identity attached only when
    it may be shown), this institution's patient id and whether this scan created it."""

    card: VerifiedCard
    patient_id: str
    new_patient: bool


async def verify_at_terminal(
    ctx: AppContext,
    caller: Caller,
    text: str,
    scene: str,
    *,
    with_identity: bool = False,
    shows: bool = True,
) -> TerminalVerification:
    """Verify a scanned code for a terminal (here, or at a peer centre for another issuer's
    code); the full identity comes along for a new patient record or when asked, unless the
    caller ``shows`` the terminal no card at all (a check-in answers with the queue only).

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
    patient_id, new_patient = await patient_record(
        ctx, terminal.institution_code, card.card_id, card.issuer
    )
    _record_usage(ctx, caller, terminal, card.card_id, card.issuer, scene, medstep)
    shown = shows and (with_identity or new_patient)
    if shown and card.identity is None:
        card = card.with_identity(await verification.identity_of(ctx, card.card_id))
    elif not shown:
        card = card.with_identity(None)  # a peer's answer carries it: keep it from the terminal
    if shown:
        reason = "asked" if with_identity else "new_patient"
        _record_read(ctx, caller, card.card_id, "card.identity_read", reason)
    else:
        _record_read(ctx, caller, card.card_id, "card.verify", scene)
    return TerminalVerification(card, patient_id, new_patient)


async def link_physical_card(
    ctx: AppContext, caller: Caller, chip: physical.ChipHolder, scene: str
) -> tuple[TerminalVerification, bool]:
    """Identify a chip-card holder at a terminal and link the chip to their e-card.

    Returns the card (its identity attached: the counter read it from the chip) with this
    institution's patient id, and whether the e-card was newly issued.
    """
    terminal = await terminal_of(ctx, caller)
    scene, medstep = medstep_code(scene)
    card, identity, created = await physical.link_physical_card(ctx, caller, chip)
    await card.fetch_related("person")
    refuse_unusable(card.status)
    state = await lifecycle.current(ctx, card.card_id)
    if state is not None:
        lifecycle.refuse_barred(state)
    patient_id, new_patient = await patient_record(
        ctx, terminal.institution_code, card.card_id, card.issuer
    )
    _record_usage(ctx, caller, terminal, card.card_id, card.issuer, scene, medstep)
    _record_read(ctx, caller, card.card_id, "card.identity_read", "chip")
    verified = verification.verified_card(card, identity)
    return TerminalVerification(verified, patient_id, new_patient), created


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


def _record_read(ctx: AppContext, caller: Caller, card_id: str, action: str, reason: str) -> None:
    audit.record_later(
        ctx.writer,
        caller,
        action,
        target_type="card",
        target_id=card_id,
        detail={"reason": reason},
    )


async def verify_for_peer(
    ctx: AppContext,
    caller: Caller,
    text: str,
    scene: str,
    institution_code: str,
    terminal_id: str,
    *,
    with_identity: bool = False,
) -> VerifiedCard:
    """A peer centre's terminal scanned one of our codes: verify it here and record the use
    (a code of any other issuer is ``UNKNOWN_ISSUER``: peers forward only our own). The full
    identity comes along when the peer asks for it (it shows it to its terminal only for a new
    patient record or an audited ask); that is audited here as an identity read."""
    scene, medstep = medstep_code(scene)
    card = await verification.verify(ctx, text)
    if with_identity:
        card = card.with_identity(await verification.identity_of(ctx, card.card_id))
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
    if with_identity:
        _record_read(ctx, caller, card.card_id, "card.identity_read", "peer")
    else:
        _record_read(ctx, caller, card.card_id, "card.verify", scene)
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
