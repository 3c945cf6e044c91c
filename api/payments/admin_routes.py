"""The card centre's door of payments: refunds by hand, and the daily reconciliation (run a
day, list runs and discrepancies, resolve them)."""

from __future__ import annotations

from api.payments import administration
from api.payments.models import Discrepancy, Reconciliation
from api.payments.reconciliation import administration as reconciling
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
from api.payments.schemas import RefundOut, RefundRequest
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


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


async def refund_payment(request: Request, body: RefundRequest) -> RefundOut:
    """Refund part or all of a payment to where it came from."""
    payment, done = await administration.refund_by_hand(
        ctx_of(request), caller_of(request), request.path_params["payment_id"], body.amount,
        body.reason,
    )  # fmt: skip
    return RefundOut(refund_id=done.refund_id, payment_id=payment.payment_id, amount=done.amount,
                     status=done.status, reason=done.reason)  # fmt: skip


async def run_reconciliation(request: Request, body: ReconcileRequest) -> ReconciliationOut:
    """Download a day's bill of one platform and compare it with our books."""
    run, found = await reconciling.run_day(
        ctx_of(request), caller_of(request), body.date, body.method
    )
    return ReconciliationOut(
        **summary_out(run).model_dump(), discrepancies=[discrepancy_out(d, run) for d in found]
    )


async def list_reconciliations(request: Request, query: ReconciliationQuery) -> ReconciliationList:
    """Past runs, newest day first."""
    found = await reconciling.runs(caller_of(request), query.method, query.limit)
    return ReconciliationList(reconciliations=[summary_out(r) for r in found])


async def list_discrepancies(request: Request, query: DiscrepancyQuery) -> DiscrepancyList:
    """Discrepancies, newest first, by resolution status, platform and day."""
    found = await reconciling.discrepancies(
        caller_of(request), query.status, query.method, query.date, query.limit
    )
    return DiscrepancyList(discrepancies=[discrepancy_out(d, d.reconciliation) for d in found])


async def resolve_discrepancy(request: Request, body: ResolveRequest) -> DiscrepancyOut:
    """Mark a discrepancy resolved or ignored, saying why (or reopen it)."""
    row = await reconciling.resolve(
        caller_of(request), int(request.path_params["discrepancy_id"]), body.status, body.note
    )
    return discrepancy_out(row, row.reconciliation)


routes = [
    admin_route("POST", "/api/v1/payments/{payment_id}/refund", refund_payment,
                body=RefundRequest, response=RefundOut, tags=["payments"],
                errors=["REFUND_EXCEEDS_PAID", "UPSTREAM_ERROR", "NOT_FOUND"]),
    admin_route("POST", "/api/v1/admin/reconciliations", run_reconciliation, body=ReconcileRequest,
              response=ReconciliationOut, tags=["payments"],
              errors=["VALIDATION_ERROR", "METHOD_UNAVAILABLE", "UPSTREAM_UNAVAILABLE",
                      "UPSTREAM_ERROR"]),
    admin_route("GET", "/api/v1/admin/reconciliations", list_reconciliations,
              query=ReconciliationQuery, response=ReconciliationList,
              tags=["payments"]),
    admin_route("GET", "/api/v1/admin/reconciliations/discrepancies", list_discrepancies,
              query=DiscrepancyQuery, response=DiscrepancyList, tags=["payments"]),
    admin_route("POST", "/api/v1/admin/reconciliations/discrepancies/{discrepancy_id:int}",
              resolve_discrepancy, body=ResolveRequest, response=DiscrepancyOut,
              tags=["payments"], errors=["NOT_FOUND"]),
]  # fmt: skip
