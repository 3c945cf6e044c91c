"""The card centre's door of existing patients: upload a hospital's CSV (streamed: rows are
taken as they arrive)."""

from __future__ import annotations

from api.patients import importer
from api.patients.schemas import ImportOut, ProblemOut
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


async def import_patients(request: Request) -> ImportOut:
    """Bring a hospital's existing patients onto the card: the request body is the CSV
    (``name,id_type,id_number,phone,institution_code,patient_id``, UTF-8, header first). Each
    good row gets a card pending activation linked to its patient id; every bad row is named
    by its line; a re-run changes nothing.

    Example::

        POST /api/v1/admin/patients/import   (Content-Type: text/csv)
        name,id_type,id_number,phone,institution_code,patient_id
        张三,01,11010519491231002X,13800138000,H0001,HIS000123
        → 200 {"rows": 1, "cards_created": 1, "linked": 1, "unchanged": 0, "problems": []}
    """
    report = await importer.import_rows(
        ctx_of(request), caller_of(request), importer.csv_stream(request.stream())
    )
    return ImportOut(
        rows=report.rows, cards_created=report.cards_created, linked=report.linked,
        unchanged=report.unchanged,
        problems=[ProblemOut(line=p.line, reason=p.reason) for p in report.problems],
    )  # fmt: skip


routes = [
    admin_route("POST", "/api/v1/admin/patients/import", import_patients, response=ImportOut,
                tags=["admin"], errors=["VALIDATION_ERROR"]),
]  # fmt: skip
