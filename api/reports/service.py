"""Reports: a hospital system posts a report (title, kind, PDF) for its own patient; every
holder of the card is told (``report_ready``), lists the reports, and downloads a PDF only
after a fresh step-up proof (``api.cards.step_up``). Every download is recorded (audit and the
card's read log) in the same transaction as it is served."""

from __future__ import annotations

import base64
import binascii
import secrets

from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.cards import step_up
from api.cards.models import CardBinding
from api.cards.service import held_cards
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox.service import enqueue
from api.principals import Caller
from api.reports.models import Report, ReportPdf, ReportRead
from api.reports.schemas import ReportRequest
from api.terminals.models import PatientRecord
from api.terminals.service import terminal_of

TITLE = "report.title"
PDF = "report.pdf"


def title_of(ctx: AppContext, report: Report) -> str:
    """The report's title, opened from its seal."""
    return ctx.keys.ring.open(report.title_sealed, context=TITLE)


def _pdf_bytes(raw: str) -> bytes:
    try:
        pdf = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError("VALIDATION_ERROR", "pdf_base64 is not base64") from exc
    if not pdf.startswith(b"%PDF-"):
        raise DomainError("VALIDATION_ERROR", "pdf_base64 is not a PDF")
    return pdf


async def card_of_patient(institution_code: str, patient_id: str) -> str:
    """The card behind an institution's patient id (another institution's is 404)."""
    record = await PatientRecord.get_or_none(
        institution_code=institution_code, patient_id=patient_id
    )
    if record is None:
        raise not_found("patient")
    return record.card_id


async def post_report(ctx: AppContext, caller: Caller, req: ReportRequest) -> Report:
    """Store a report (title and PDF sealed) and tell the card's holders it is ready."""
    terminal = await terminal_of(ctx, caller)
    card_id = await card_of_patient(terminal.institution_code, req.patient_id)
    pdf = _pdf_bytes(req.pdf_base64)
    ring = ctx.keys.ring
    report = Report(
        report_id="R" + secrets.token_hex(11), institution_code=terminal.institution_code,
        terminal_id=terminal.terminal_id, patient_id=req.patient_id, card_id=card_id,
        kind=req.kind, title_sealed=ring.seal(req.title, context=TITLE), size=len(pdf),
    )  # fmt: skip
    holders = await CardBinding.filter(card_id=card_id).values_list("user_id", flat=True)
    async with in_transaction():
        await report.save()
        await ReportPdf.create(
            report_id=report.report_id,
            pdf_sealed=ring.seal(base64.b64encode(pdf).decode(), context=PDF),
        )
        for user_id in holders:
            await enqueue(
                "report_ready", str(user_id),
                {"report_id": report.report_id, "hospital": terminal.institution_code,
                 "detail": req.kind},
                card_id=card_id,
            )  # fmt: skip
        await audit.record(caller, "report.post", target_type="report",
                           target_id=report.report_id, detail={"kind": req.kind})  # fmt: skip
    return report


async def resident_reports(caller: Caller) -> list[Report]:
    """The reports of every card the resident holds, newest first."""
    card_ids = [held.card.card_id for held in await held_cards(caller)]
    return list(await Report.filter(card_id__in=card_ids).order_by("-created_at").limit(200))


async def read_pdf(
    ctx: AppContext, report: Report, who: Caller, reader_kind: str, reader: str,
    consent_id: int | None = None,
) -> bytes:  # fmt: skip
    """Open a report's PDF, recording the read (audit and the card's read log)."""
    async with in_transaction():
        sealed = await ReportPdf.get(report_id=report.report_id)
        await ReportRead.create(
            report_id=report.report_id, card_id=report.card_id, reader_kind=reader_kind,
            reader=reader, consent_id=consent_id,
        )  # fmt: skip
        await audit.record(
            who, "report.download", target_type="report", target_id=report.report_id,
            detail={"reader": reader_kind, "consent_id": consent_id},
        )  # fmt: skip
    return base64.b64decode(ctx.keys.ring.open(sealed.pdf_sealed, context=PDF))


async def resident_pdf(ctx: AppContext, caller: Caller, report_id: str) -> bytes:
    """The PDF of one of the resident's reports, after a step-up proof of the last 10 minutes
    (else 403 STEP_UP_REQUIRED)."""
    report = await Report.get_or_none(report_id=report_id)
    held = {h.card.card_id for h in await held_cards(caller)}
    if report is None or report.card_id not in held:
        raise not_found("report")
    await step_up.require(ctx, caller)
    return await read_pdf(ctx, report, caller, "resident", caller.id)


async def titles(ctx: AppContext, report_ids: list[str]) -> dict[str, str]:
    """The titles of these reports, opened."""
    found = await Report.filter(report_id__in=list(set(report_ids)))
    return {r.report_id: title_of(ctx, r) for r in found}
