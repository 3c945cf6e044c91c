"""The residents' door of reports: list them, download one after a step-up proof, and the
consents given to doctors (give one by scanning the station's code, see them, end them)."""

from __future__ import annotations

from api.reports import consents, service
from api.reports.schemas import ConsentGrant, ConsentList, ConsentOut, ReportList
from api.reports.views import consent_out, report_out
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import resident_route
from api.web.http import Request, Response


async def list_reports(request: Request) -> ReportList:
    """The reports of every card you hold, newest first."""
    ctx = ctx_of(request)
    found = await service.resident_reports(caller_of(request))
    return ReportList(reports=[report_out(ctx, r) for r in found])


async def report_pdf(request: Request) -> Response:
    """A report's PDF; needs a step-up proof (``POST /api/v1/realname/step-up``) from the last
    10 minutes. Every download is audited."""
    pdf = await service.resident_pdf(
        ctx_of(request), caller_of(request), request.path_params["report_id"]
    )
    return Response(pdf, media_type="application/pdf")


async def grant_consent(request: Request, body: ConsentGrant) -> ConsentOut:
    """Let the doctor whose station showed ``code`` read your reports for ``minutes``."""
    ctx = ctx_of(request)
    consent = await consents.grant(ctx, caller_of(request), body.code, body.minutes, body.card_id)
    return consent_out(ctx, consent, [], {})


async def list_consents(request: Request) -> ConsentList:
    """The consents you gave, newest first, with who read what under each."""
    ctx = ctx_of(request)
    given = await consents.mine(caller_of(request))
    titles = await service.titles(ctx, [r.report_id for _, reads in given for r in reads])
    return ConsentList(consents=[consent_out(ctx, c, reads, titles) for c, reads in given])


async def end_consent(request: Request) -> None:
    """End a consent now: the doctor can no longer read your reports."""
    await consents.end(caller_of(request), path_int(request, "consent_id"))


TAGS = ["reports"]
routes = [
    resident_route("GET", "/api/v1/reports", list_reports, response=ReportList, tags=TAGS),
    resident_route("GET", "/api/v1/reports/{report_id}/pdf", report_pdf, tags=TAGS,
                   errors=["NOT_FOUND", "STEP_UP_REQUIRED"]),
    resident_route("POST", "/api/v1/consents", grant_consent, body=ConsentGrant,
                   response=ConsentOut, status=201, tags=TAGS,
                   errors=["CONSENT_CODE_INVALID", "NOT_FOUND"]),
    resident_route("GET", "/api/v1/consents", list_consents, response=ConsentList, tags=TAGS),
    resident_route("DELETE", "/api/v1/consents/{consent_id}", end_consent, status=204,
                   tags=TAGS, errors=["NOT_FOUND"]),
]  # fmt: skip
