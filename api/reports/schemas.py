"""Shapes of reports and consents."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.bounds import key, line
from api.schemas import Body, Out

MAX_CONSENT_MINUTES = 24 * 60


class ReportRequest(Body):
    patient_id: key(32) = Field(description="this institution's patient id (from verify)")
    title: line(128)
    kind: key(32) = Field(description="e.g. lab, imaging, pathology")
    pdf_base64: str = Field(min_length=8, description="the report as a PDF, base64")


class ReportCreated(Out):
    report_id: str


class ReportOut(Out):
    report_id: str
    card_id: str
    institution_code: str
    kind: str
    title: str
    size: int = Field(description="bytes of the PDF")
    created_at: datetime


class ReportList(Out):
    reports: list[ReportOut]


class DoctorQuery(Body):
    doctor_id: key(32) = Field(description="the doctor at this station the consent names")


class ConsentRequestIn(Body):
    doctor_id: key(32)


class ConsentRequestOut(Out):
    code: str = Field(description="what the resident's mini-program scans (single-use)")
    qr: str = Field(description="the QR payload to show: EHCCONSENT:<code>")
    expires_in: int


class ConsentGrant(Body):
    code: key(64) = Field(description="the doctor station's code (or its whole QR payload)")
    minutes: int = Field(ge=1, le=MAX_CONSENT_MINUTES, description="how long the doctor may read")
    card_id: key(64) | None = Field(
        default=None, description="whose reports (default: your own card, else the first)"
    )


class ConsentRead(Out):
    report_id: str
    title: str
    at: datetime


class ConsentOut(Out):
    consent_id: int
    card_id: str
    institution_code: str
    terminal_id: str
    doctor_id: str
    granted_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    active: bool
    reads: list[ConsentRead]


class ConsentList(Out):
    consents: list[ConsentOut]
