"""Reports a hospital system posted for a patient, their PDFs (sealed, apart from the list),
the consents residents give doctors to read them, and every read.

Titles and PDFs say what was found about whom: both are stored SM4-sealed like other personal
data.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Report(Model):
    """One report of one patient at one institution."""

    report_id = fields.CharField(max_length=24, primary_key=True)
    institution_code = fields.CharField(max_length=32)
    terminal_id = fields.CharField(max_length=64)
    patient_id = fields.CharField(max_length=32)
    card_id = fields.CharField(max_length=64, db_index=True)
    kind = fields.CharField(max_length=32)
    title_sealed = fields.TextField()
    size = fields.IntField()  # bytes of the PDF
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "report"


class ReportPdf(Model):
    """A report's PDF, sealed (kept apart so that lists never load it)."""

    report_id = fields.CharField(max_length=24, primary_key=True)
    pdf_sealed = fields.TextField()

    class Meta:
        table = "report_pdf"


class Consent(Model):
    """A resident lets one doctor (a doctor station's terminal + a doctor id) read the reports
    of one card until expires_at or until they end it."""

    id = fields.BigIntField(primary_key=True)
    card_id = fields.CharField(max_length=64, db_index=True)
    user_id = fields.CharField(max_length=40, db_index=True)  # who granted it
    terminal_id = fields.CharField(max_length=64)
    institution_code = fields.CharField(max_length=32)
    doctor_id = fields.CharField(max_length=32)
    granted_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report_consent"


class ReportRead(Model):
    """Someone opened a report's PDF: the holder, or a doctor under a consent."""

    id = fields.BigIntField(primary_key=True)
    report_id = fields.CharField(max_length=24, db_index=True)
    card_id = fields.CharField(max_length=64, db_index=True)
    reader_kind = fields.CharField(max_length=16)  # resident or doctor
    reader = fields.CharField(max_length=100)  # user id, or terminal id / doctor id
    consent_id = fields.BigIntField(null=True, db_index=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "report_read"
