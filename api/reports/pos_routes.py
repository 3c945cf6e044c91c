"""The terminals' door of reports: a hospital system posts reports; a doctor station asks
for a consent code and reads a consenting patient's reports while the consent lasts."""

from __future__ import annotations

from api.reports import consents, service
from api.reports.schemas import (
    ConsentRequestIn,
    ConsentRequestOut,
    DoctorQuery,
    ReportCreated,
    ReportList,
    ReportRequest,
)
from api.reports.views import report_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import Request, Response


async def post_report(request: Request, body: ReportRequest) -> ReportCreated:
    """Post a report (a PDF) for one of your patients; the resident is told it is ready
    (``report_ready``) and downloads it after a step-up proof.

    Example::

        POST /api/v1/pos/reports
        {"patient_id": "P3F2A9C01D7E4B", "title": "血常规报告", "kind": "lab",
         "pdf_base64": "JVBERi0xLjQK…"}
        → 201 {"report_id": "R5d0c9a8e7f6b5a4c3d2e1f"}
    """
    report = await service.post_report(ctx_of(request), caller_of(request), body)
    return ReportCreated(report_id=report.report_id)


async def consent_request(request: Request, body: ConsentRequestIn) -> ConsentRequestOut:
    """A single-use code (5 minutes) for the doctor station to show: the resident scans it to
    let this doctor read their reports.

    Example::

        POST /api/v1/pos/consent-requests {"doctor_id": "D042"}
        → 201 {"code": "q3Jx…", "qr": "EHCCONSENT:q3Jx…", "expires_in": 300}
    """
    code, ttl = await consents.request_code(ctx_of(request), caller_of(request), body.doctor_id)
    return ConsentRequestOut(code=code, qr=consents.QR_PREFIX + code, expires_in=ttl)


async def patient_reports(request: Request, query: DoctorQuery) -> ReportList:
    """A consenting patient's reports (404 without a live consent for this station and
    doctor).

    Example::

        GET /api/v1/pos/patients/P3F2A9C01D7E4B/reports?doctor_id=D042
        → 200 {"reports": [{"report_id": "R5d0c…", "kind": "lab", "title": "血常规报告", …}]}
    """
    ctx = ctx_of(request)
    found = await consents.doctor_reports(
        ctx, caller_of(request), request.path_params["patient_id"], query.doctor_id
    )
    return ReportList(reports=[report_out(ctx, r) for r in found])


async def patient_report_pdf(request: Request, query: DoctorQuery) -> Response:
    """A consenting patient's report PDF (recorded as read by this doctor: the resident sees
    it under the consent).

    Example::

        GET /api/v1/pos/patients/P3F2A9C01D7E4B/reports/R5d0c9a8e7f6b5a4c3d2e1f/pdf?doctor_id=D042
        → 200 application/pdf (404 once the consent has ended or expired)
    """
    pdf = await consents.doctor_pdf(
        ctx_of(request), caller_of(request), request.path_params["patient_id"],
        request.path_params["report_id"], query.doctor_id,
    )  # fmt: skip
    return Response(pdf, media_type="application/pdf")


TAGS = ["reports"]
routes = [
    terminal_route("POST", "/api/v1/pos/reports", post_report, body=ReportRequest,
                   response=ReportCreated, status=201, tags=TAGS,
                   errors=["NOT_FOUND", "VALIDATION_ERROR"]),
    terminal_route("POST", "/api/v1/pos/consent-requests", consent_request,
                   body=ConsentRequestIn, response=ConsentRequestOut, status=201, tags=TAGS),
    terminal_route("GET", "/api/v1/pos/patients/{patient_id}/reports", patient_reports,
                   query=DoctorQuery, response=ReportList, tags=TAGS, errors=["NOT_FOUND"]),
    terminal_route("GET", "/api/v1/pos/patients/{patient_id}/reports/{report_id}/pdf",
                   patient_report_pdf, query=DoctorQuery, tags=TAGS, errors=["NOT_FOUND"]),
]  # fmt: skip
