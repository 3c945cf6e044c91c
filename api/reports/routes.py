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
    """The reports of every card you hold, newest first.

    Example::

        GET /api/v1/reports
        → 200 {"reports": [{"report_id": "R5d0c9a8e7f6b5a4c3d2e1f", "card_id": "9f1c…",
                            "institution_code": "H0001", "kind": "lab", "title": "血常规报告",
                            "size": 48213, "created_at": "2026-12-01T10:15:00+08:00"}]}
    """
    ctx = ctx_of(request)
    found = await service.resident_reports(caller_of(request))
    return ReportList(reports=[report_out(ctx, r) for r in found])


async def report_pdf(request: Request) -> Response:
    """A report's PDF; needs a step-up proof (``POST /api/v1/realname/step-up``, an SMS code or
    a face check) from the last 10 minutes. Every download is audited.

    Example::

        GET /api/v1/reports/R5d0c9a8e7f6b5a4c3d2e1f/pdf
        → 403 {"error": {"code": "STEP_UP_REQUIRED", "methods": ["otp", "face"], …}}
        POST /api/v1/realname/step-up {}
        → 200 {"status": "sent", "expires_in": 300, "phone_masked": "138****0000"}
        POST /api/v1/realname/step-up {"otp": "123456"}
        → 200 {"status": "proven", "expires_in": 600}
        GET /api/v1/reports/R5d0c9a8e7f6b5a4c3d2e1f/pdf
        → 200 application/pdf
    """
    pdf = await service.resident_pdf(
        ctx_of(request), caller_of(request), request.path_params["report_id"]
    )
    return Response(pdf, media_type="application/pdf")


async def grant_consent(request: Request, body: ConsentGrant) -> ConsentOut:
    """Let the doctor whose station showed ``code`` read your reports for ``minutes``. The code
    is single-use: the doctor station gets it from ``POST /api/v1/pos/consent-requests`` and
    shows it as a QR code; send the code or the whole scanned payload.

    Example::

        POST /api/v1/consents {"code": "EHCCONSENT:q3Jx…", "minutes": 30}
        → 201 {"consent_id": 17, "card_id": "9f1c…", "institution_code": "H0001",
               "terminal_id": "T…", "doctor_id": "D042", "granted_at": "2026-12-01T10:20:00+08:00",
               "expires_at": "2026-12-01T10:50:00+08:00", "ended_at": null, "active": true,
               "reads": []}
    """
    ctx = ctx_of(request)
    consent = await consents.grant(ctx, caller_of(request), body.code, body.minutes, body.card_id)
    return consent_out(ctx, consent, [], {})


async def list_consents(request: Request) -> ConsentList:
    """The consents you gave, newest first, with who read what under each.

    Example::

        GET /api/v1/consents
        → 200 {"consents": [{"consent_id": 17, "doctor_id": "D042", "active": true,
                             "reads": [{"report_id": "R5d0c…", "title": "血常规报告",
                                        "at": "2026-12-01T10:21:30+08:00"}], …}]}
    """
    ctx = ctx_of(request)
    given = await consents.mine(caller_of(request))
    titles = await service.titles(ctx, [r.report_id for _, reads in given for r in reads])
    return ConsentList(consents=[consent_out(ctx, c, reads, titles) for c, reads in given])


async def end_consent(request: Request) -> None:
    """End a consent now: the doctor can no longer read your reports (their station gets 404).

    Example::

        DELETE /api/v1/consents/17
        → 204
    """
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
