"""Consent: a resident lets a doctor read their reports for a while.

The doctor station asks for a code (single-use, 5 minutes, in the store) naming its terminal
and the doctor; the resident scans it and grants a number of minutes for one of their cards.
The station reads that card's reports only while a consent for that terminal and doctor is
live (not expired, not ended): otherwise 404, as for anything out of scope. The resident sees
every consent with what was read under it, and can end it at once.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from api.audit import service as audit
from api.cards.models import CardBinding
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.principals import Caller
from api.reports.models import Consent, Report, ReportRead
from api.reports.service import card_of_patient, read_pdf
from api.terminals.service import terminal_of
from api.timefmt import now

CODE_TTL = 300
QR_PREFIX = "EHCCONSENT:"


def _code_key(code: str) -> str:
    return key("consent-code", f"code:{code}")


async def request_code(ctx: AppContext, caller: Caller, doctor_id: str) -> tuple[str, int]:
    """A code for the station to show; returns it and its lifetime (s)."""
    terminal = await terminal_of(ctx, caller)
    code = secrets.token_urlsafe(16)
    asked = {"terminal_id": terminal.terminal_id, "institution_code": terminal.institution_code,
             "doctor_id": doctor_id}  # fmt: skip
    await ctx.kv.set(_code_key(code), json.dumps(asked), CODE_TTL)
    return code, CODE_TTL


async def _card_to_share(caller: Caller, card_id: str | None) -> str:
    bindings = list(await CardBinding.filter(user_id=caller.id).order_by("created_at"))
    if card_id is not None:
        bindings = [b for b in bindings if b.card_id == card_id]  # type: ignore[attr-defined]
    else:
        bindings.sort(key=lambda b: b.relation != "self")
    if not bindings:
        raise not_found("card")
    return str(bindings[0].card_id)  # type: ignore[attr-defined]


async def grant(
    ctx: AppContext, caller: Caller, code: str, minutes: int, card_id: str | None
) -> Consent:
    """The resident scanned the station's code: the doctor may read the card's reports for
    ``minutes``."""
    card = await _card_to_share(caller, card_id)
    raw = await ctx.kv.take(_code_key(code.removeprefix(QR_PREFIX)))
    if raw is None:
        raise DomainError("CONSENT_CODE_INVALID", "this code is unknown, used or expired")
    asked = json.loads(raw)
    consent = await Consent.create(
        card_id=card, user_id=caller.id, terminal_id=asked["terminal_id"],
        institution_code=asked["institution_code"], doctor_id=asked["doctor_id"],
        expires_at=now() + timedelta(minutes=minutes),
    )  # fmt: skip
    await audit.record(
        caller, "consent.grant", target_type="card", target_id=card,
        detail={"consent_id": consent.id, "doctor_id": consent.doctor_id,
                "terminal_id": consent.terminal_id, "minutes": minutes},
    )  # fmt: skip
    return consent


async def mine(caller: Caller) -> list[tuple[Consent, list[ReportRead]]]:
    """The consents the resident gave for cards they hold, newest first, each with its reads."""
    card_ids = await CardBinding.filter(user_id=caller.id).values_list("card_id", flat=True)
    consents = await Consent.filter(card_id__in=list(card_ids)).order_by("-id").limit(100)
    reads = await ReportRead.filter(consent_id__in=[c.id for c in consents]).order_by("at")
    by_consent: dict[int, list[ReportRead]] = {c.id: [] for c in consents}
    for read in reads:
        by_consent[int(read.consent_id or 0)].append(read)
    return [(c, by_consent[c.id]) for c in consents]


async def end(caller: Caller, consent_id: int) -> None:
    """End a consent at once (a holder of its card may; anyone else gets 404)."""
    consent = await Consent.get_or_none(id=consent_id)
    if consent is None or not await CardBinding.exists(user_id=caller.id, card_id=consent.card_id):
        raise not_found("consent")
    await Consent.filter(id=consent_id, ended_at=None).update(ended_at=now())
    await audit.record(caller, "consent.end", target_type="card", target_id=consent.card_id,
                       detail={"consent_id": consent_id})  # fmt: skip


def is_live(consent: Consent) -> bool:
    """Not ended and not expired."""
    return consent.ended_at is None and consent.expires_at > now()


async def _live_consent(
    ctx: AppContext, caller: Caller, patient_id: str, doctor_id: str
) -> Consent:
    terminal = await terminal_of(ctx, caller)
    card_id = await card_of_patient(terminal.institution_code, patient_id)
    consent = (
        await Consent.filter(
            card_id=card_id,
            terminal_id=terminal.terminal_id,
            doctor_id=doctor_id,
            ended_at=None,
            expires_at__gt=now(),
        )  # fmt: skip
        .order_by("-expires_at")
        .first()
    )
    if consent is None:
        raise not_found("patient")  # no live consent: nothing to see here
    return consent


async def doctor_reports(
    ctx: AppContext, caller: Caller, patient_id: str, doctor_id: str
) -> list[Report]:
    """The consenting patient's reports, for the doctor the consent names."""
    consent = await _live_consent(ctx, caller, patient_id, doctor_id)
    return list(await Report.filter(card_id=consent.card_id).order_by("-created_at").limit(200))


async def doctor_pdf(
    ctx: AppContext, caller: Caller, patient_id: str, report_id: str, doctor_id: str
) -> bytes:
    """One report's PDF under a live consent (recorded as read by that doctor)."""
    consent = await _live_consent(ctx, caller, patient_id, doctor_id)
    report = await Report.get_or_none(report_id=report_id, card_id=consent.card_id)
    if report is None:
        raise not_found("report")
    return await read_pdf(
        ctx, report, caller, "doctor", f"{consent.terminal_id}/{doctor_id}", consent.id
    )
