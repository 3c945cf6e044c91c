"""Reports and consents as residents and doctor stations see them."""

from __future__ import annotations

from api.context import AppContext
from api.reports.consents import is_live
from api.reports.models import Consent, Report, ReportRead
from api.reports.schemas import ConsentOut, ConsentRead, ReportOut
from api.reports.service import title_of


def report_out(ctx: AppContext, report: Report) -> ReportOut:
    """A report's listing (never its PDF)."""
    return ReportOut(
        report_id=report.report_id, card_id=report.card_id,
        institution_code=report.institution_code, kind=report.kind,
        title=title_of(ctx, report), size=report.size, created_at=report.created_at,
    )  # fmt: skip


def consent_out(
    ctx: AppContext, consent: Consent, reads: list[ReportRead], titles: dict[str, str]
) -> ConsentOut:
    """A consent with what was read under it."""
    return ConsentOut(
        consent_id=consent.id, card_id=consent.card_id,
        institution_code=consent.institution_code, terminal_id=consent.terminal_id,
        doctor_id=consent.doctor_id, granted_at=consent.granted_at,
        expires_at=consent.expires_at, ended_at=consent.ended_at, active=is_live(consent),
        reads=[ConsentRead(report_id=r.report_id, title=titles.get(r.report_id, ""), at=r.at)
               for r in reads],
    )  # fmt: skip
