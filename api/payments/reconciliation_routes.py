"""``/api/v1/admin/reconciliations``: run a day's reconciliation, list runs and discrepancies,
resolve them."""

from __future__ import annotations

from api.audit import service as audit
from api.payments.models import Discrepancy, Reconciliation
from api.payments.reconciliation import service as reconciliation
from api.payments.reconciliation.schemas import (
    DiscrepancyList,
    DiscrepancyOut,
    DiscrepancyQuery,
    ReconcileRequest,
    ReconciliationList,
    ReconciliationOut,
    ReconciliationQuery,
    ReconciliationSummary,
    ResolveRequest,
)
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route
from api.web.http import Request

ADMIN = ("admin",)


def summary_out(run: Reconciliation) -> ReconciliationSummary:
    """A run without its discrepancies."""
    return ReconciliationSummary(
        reconciliation_id=run.id, date=run.day, method=run.method, matched=run.matched,
        open_discrepancies=run.open_discrepancies, bill_lines=run.bill_lines,
        bill_net=run.bill_net, our_net=run.our_net, runs=run.runs, ran_at=run.ran_at,
        ran_by=run.ran_by,
    )  # fmt: skip


def discrepancy_out(row: Discrepancy, run: Reconciliation) -> DiscrepancyOut:
    """A discrepancy with the day and platform it belongs to."""
    return DiscrepancyOut(
        id=row.id, date=run.day, method=run.method, kind=row.kind, line=row.line,
        reference=row.reference, ours_amount=row.ours_amount,
        platform_amount=row.platform_amount, ours_status=row.ours_status,
        platform_status=row.platform_status, status=row.status, note=row.note,
        resolved_by=row.resolved_by, resolved_at=row.resolved_at,
    )  # fmt: skip


async def run_reconciliation(request: Request, body: ReconcileRequest) -> ReconciliationOut:
    """(Admins) download a day's bill of one platform and compare it with our books."""
    caller = caller_of(request)
    run, found = await reconciliation.reconcile(ctx_of(request), body.date, body.method, caller.id)
    await audit.record(
        caller, "reconciliation.run", target_type="reconciliation", target_id=str(run.id),
        detail={"date": body.date.isoformat(), "method": body.method,
                "discrepancies": len(found)},
    )  # fmt: skip
    return ReconciliationOut(
        **summary_out(run).model_dump(), discrepancies=[discrepancy_out(d, run) for d in found]
    )


async def list_reconciliations(request: Request, query: ReconciliationQuery) -> ReconciliationList:
    """(Admins) past runs, newest day first."""
    runs = Reconciliation.all().order_by("-day", "method").limit(query.limit)
    if query.method:
        runs = runs.filter(method=query.method)
    return ReconciliationList(reconciliations=[summary_out(r) for r in await runs])


async def list_discrepancies(request: Request, query: DiscrepancyQuery) -> DiscrepancyList:
    """(Admins) discrepancies, newest first, by resolution status, platform and day."""
    rows = Discrepancy.all().select_related("reconciliation").order_by("-id").limit(query.limit)
    if query.status:
        rows = rows.filter(status=query.status)
    if query.method:
        rows = rows.filter(reconciliation__method=query.method)
    if query.date:
        rows = rows.filter(reconciliation__day=query.date)
    return DiscrepancyList(discrepancies=[discrepancy_out(d, d.reconciliation) for d in await rows])


async def resolve_discrepancy(request: Request, body: ResolveRequest) -> DiscrepancyOut:
    """(Admins) mark a discrepancy resolved or ignored, saying why (or reopen it)."""
    caller = caller_of(request)
    row = await reconciliation.resolve(
        int(request.path_params["discrepancy_id"]), body.status, body.note, caller.id
    )
    await audit.record(
        caller, "reconciliation.resolve", target_type="discrepancy", target_id=str(row.id),
        detail={"status": body.status, "note": body.note},
    )  # fmt: skip
    return discrepancy_out(row, await row.reconciliation)


routes = [
    api_route("POST", "/api/v1/admin/reconciliations", run_reconciliation, body=ReconcileRequest,
              response=ReconciliationOut, auth=ADMIN, tags=["payments"],
              errors=["VALIDATION_ERROR", "METHOD_UNAVAILABLE", "UPSTREAM_UNAVAILABLE",
                      "UPSTREAM_ERROR"]),
    api_route("GET", "/api/v1/admin/reconciliations", list_reconciliations,
              query=ReconciliationQuery, response=ReconciliationList, auth=ADMIN,
              tags=["payments"]),
    api_route("GET", "/api/v1/admin/reconciliations/discrepancies", list_discrepancies,
              query=DiscrepancyQuery, response=DiscrepancyList, auth=ADMIN, tags=["payments"]),
    api_route("POST", "/api/v1/admin/reconciliations/discrepancies/{discrepancy_id:int}",
              resolve_discrepancy, body=ResolveRequest, response=DiscrepancyOut, auth=ADMIN,
              tags=["payments"], errors=["NOT_FOUND"]),
]  # fmt: skip
