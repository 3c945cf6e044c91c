"""The card centre's reconciliation work: running a day, reading runs and discrepancies,
resolving them; each change recorded in the audit trail as the acting admin's."""

from __future__ import annotations

from datetime import date

from api import policy
from api.audit import service as audit
from api.context import AppContext
from api.payments.models import Discrepancy, Reconciliation
from api.payments.reconciliation import service as reconciliation
from api.principals import Caller


async def run_day(
    ctx: AppContext, actor: Caller, day: date, method: str
) -> tuple[Reconciliation, list[Discrepancy]]:
    """Download a day's bill of one platform, compare it with our books, store what differs."""
    policy.require(actor, "centre.manage")
    run, found = await reconciliation.reconcile(ctx, day, method, actor.id)
    await audit.record(
        actor, "reconciliation.run", target_type="reconciliation", target_id=str(run.id),
        detail={"date": day.isoformat(), "method": method, "discrepancies": len(found)},
    )  # fmt: skip
    return run, found


async def runs(actor: Caller, method: str | None, limit: int) -> list[Reconciliation]:
    """Past runs, newest day first."""
    policy.require(actor, "centre.read")
    found = Reconciliation.all().order_by("-day", "method").limit(limit)
    return await (found.filter(method=method) if method else found)


async def discrepancies(
    actor: Caller, status: str | None, method: str | None, day: date | None, limit: int
) -> list[Discrepancy]:
    """Discrepancies (with their run), newest first, by status, platform and day."""
    policy.require(actor, "centre.read")
    rows = Discrepancy.all().select_related("reconciliation").order_by("-id").limit(limit)
    if status:
        rows = rows.filter(status=status)
    if method:
        rows = rows.filter(reconciliation__method=method)
    if day:
        rows = rows.filter(reconciliation__day=day)
    return await rows


async def resolve(actor: Caller, discrepancy_id: int, status: str, note: str) -> Discrepancy:
    """Mark a discrepancy resolved or ignored, saying why (or reopen it)."""
    policy.require(actor, "centre.manage")
    row = await reconciliation.resolve(discrepancy_id, status, note, actor.id)
    await audit.record(
        actor, "reconciliation.resolve", target_type="discrepancy", target_id=str(row.id),
        detail={"status": status, "note": note},
    )  # fmt: skip
    await row.fetch_related("reconciliation")
    return row
