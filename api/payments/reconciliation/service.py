"""Daily reconciliation: one platform's bill of one day against our payments and refunds.

Each bill line is a payment (keyed by our out_trade_no) or a refund (keyed by our refund
number). A line and our books agree (matched), or they disagree in one of four ways:
``missing_here`` (the platform has money we know nothing of), ``missing_there`` (we booked money
the platform's bill lacks), ``amount_mismatch`` and ``status_mismatch`` (the platform took money
for an order we still hold unpaid, or returned a refund we did not finish).

A day is re-run as often as needed: the reconciliation row is updated, a discrepancy found again
keeps its id and resolution, and an open one that is no longer found is marked ``cleared``
(typically a notify that was still in flight at the first run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.channels.models import ChannelApp
from api.context import AppContext
from api.errors import DomainError, not_found
from api.payments.gateways.registry import gateway_for, merchant_wide_bill
from api.payments.models import Discrepancy, Payment, Reconciliation, Refund
from api.payments.reconciliation.bills import BillLine
from api.timefmt import day_span, now, today

Progress = Callable[[str], None]
PAID = ("paid", "refunded")


@dataclass(frozen=True)
class Finding:
    """A disagreement between a bill line and our books."""

    kind: str
    line: str
    reference: str
    ours_amount: int | None = None
    platform_amount: int | None = None
    ours_status: str | None = None
    platform_status: str | None = None


@dataclass
class Comparison:
    """What comparing a bill with our books found."""

    matched: int
    findings: list[Finding]
    bill_net: int
    our_net: int


async def _bill(ctx: AppContext, day: date, method: str, progress: Progress) -> list[BillLine]:
    """Every line of the platform's bill of ``day``: one bill per app, or one for the whole
    merchant (WeChat Pay's), asked of its first app."""
    apps = await ChannelApp.filter(kind=method).order_by("app_id").values_list("app_id", flat=True)
    if merchant_wide_bill(method):
        apps = apps[:1]
    lines: list[BillLine] = []
    for number, app_id in enumerate(apps, 1):
        progress(f"downloading the {method} bill of {day} ({number}/{len(apps)})")
        gateway = await gateway_for(ctx, method, str(app_id))
        lines.extend(await gateway.bill(day))
    return lines


async def _our_books(
    ctx: AppContext, day: date, method: str
) -> tuple[dict[str, Payment], dict[str, Refund]]:
    start, end = day_span(day, day, ctx.settings.timezone)
    payments = await Payment.filter(method=method, paid_at__gte=start, paid_at__lt=end)
    refunds = await Refund.filter(
        payment__method=method, status="succeeded", finished_at__gte=start, finished_at__lt=end
    )
    return {p.payment_id: p for p in payments}, {r.refund_id: r for r in refunds}


async def compare(ctx: AppContext, day: date, method: str, lines: list[BillLine]) -> Comparison:
    """Compare bill lines with our books of ``day``. A line of an order we booked on another
    day (a payment at 23:59:59 that reached us after midnight) is looked up by its key."""
    payments, refunds = await _our_books(ctx, day, method)
    bill_net = sum(ln.amount if ln.kind == "payment" else -ln.amount for ln in lines)
    our_net = sum(p.amount for p in payments.values()) - sum(r.amount for r in refunds.values())
    stray_payments = [ln.reference for ln in lines
                      if ln.kind == "payment" and ln.reference not in payments]  # fmt: skip
    stray_refunds = [ln.reference for ln in lines
                     if ln.kind == "refund" and ln.reference not in refunds]  # fmt: skip
    other_payments = {p.payment_id: p for p in await Payment.filter(payment_id__in=stray_payments)}
    other_refunds = {r.refund_id: r for r in await Refund.filter(refund_id__in=stray_refunds)}
    matched, findings = 0, list[Finding]()
    for line in lines:
        if line.kind == "payment":
            ours = payments.pop(line.reference, None) or other_payments.get(line.reference)
            done = ours is not None and ours.status in PAID
        else:
            ours = refunds.pop(line.reference, None) or other_refunds.get(line.reference)
            done = ours is not None and ours.status == "succeeded"
        finding = _judge(line, ours, done)
        if finding is None:
            matched += 1
        else:
            findings.append(finding)
    findings += [Finding("missing_there", "payment", p.payment_id, p.amount, None, p.status)
                 for p in payments.values()]  # fmt: skip
    findings += [Finding("missing_there", "refund", r.refund_id, r.amount, None, r.status)
                 for r in refunds.values()]  # fmt: skip
    return Comparison(matched, findings, bill_net, our_net)


def _judge(line: BillLine, ours: Payment | Refund | None, done: bool) -> Finding | None:
    """How one bill line stands against our record of it (None: they agree)."""
    platform_status = "paid" if line.kind == "payment" else "refunded"
    if ours is None:
        return Finding("missing_here", line.kind, line.reference,
                       platform_amount=line.amount, platform_status=platform_status)  # fmt: skip
    if not done:
        return Finding("status_mismatch", line.kind, line.reference, ours.amount, line.amount,
                       ours.status, platform_status)  # fmt: skip
    if ours.amount != line.amount:
        return Finding("amount_mismatch", line.kind, line.reference, ours.amount, line.amount,
                       ours.status, platform_status)  # fmt: skip
    return None


async def _store(
    day: date, method: str, found: Comparison, lines: int, who: str
) -> tuple[Reconciliation, list[Discrepancy]]:
    """Record the run: update the day's row, keep known discrepancies, clear vanished ones."""
    try:
        async with in_transaction():
            return await _record(day, method, found, lines, who)
    except IntegrityError as exc:  # another run created the day's row at the same moment
        raise DomainError("CONFLICT", "this day is being reconciled already; try again") from exc


async def _record(
    day: date, method: str, found: Comparison, lines: int, who: str
) -> tuple[Reconciliation, list[Discrepancy]]:
    # Write first: on the embedded SQLite a transaction that reads before it writes fails at
    # once when another process (the server, `ehc reconcile`) wrote in between.
    await Reconciliation.filter(day=day, method=method).update(ran_at=now(), ran_by=who)
    run = await Reconciliation.select_for_update().get_or_none(day=day, method=method)
    if run is None:
        run = await Reconciliation.create(day=day, method=method, ran_at=now(), ran_by=who)
    known = {(d.kind, d.reference): d for d in await Discrepancy.filter(reconciliation=run)}
    current: list[Discrepancy] = []
    for finding in found.findings:
        row = known.pop((finding.kind, finding.reference), None)
        values = {"line": finding.line, "ours_amount": finding.ours_amount,
                  "platform_amount": finding.platform_amount,
                  "ours_status": finding.ours_status,
                  "platform_status": finding.platform_status}  # fmt: skip
        if row is None:
            row = await Discrepancy.create(reconciliation=run, kind=finding.kind,
                                           reference=finding.reference, **values)  # fmt: skip
        else:
            if row.status == "cleared":  # back again: someone has to look at it
                values.update(status="open", note="", resolved_at=None)
            await row.update_from_dict(values).save()
        current.append(row)
    gone = [d.id for d in known.values() if d.status == "open"]
    if gone:
        await Discrepancy.filter(id__in=gone).update(
            status="cleared", note="not found again on a re-run", resolved_at=now()
        )
    run.matched, run.bill_lines = found.matched, lines
    run.bill_net, run.our_net = found.bill_net, found.our_net
    run.open_discrepancies = sum(1 for d in current if d.status == "open")
    run.runs, run.ran_at, run.ran_by = run.runs + 1, now(), who
    await run.save()
    return run, current


async def reconcile(
    ctx: AppContext, day: date, method: str, who: str, progress: Progress = lambda _: None
) -> tuple[Reconciliation, list[Discrepancy]]:
    """Download the platform's bill of ``day``, compare it with our books and store what
    disagrees. ``day`` is a calendar day in the institution's zone, up to today."""
    if method not in ("wechat", "alipay"):
        raise DomainError("VALIDATION_ERROR", "method must be wechat or alipay")
    if day > today(ctx.settings.timezone):
        raise DomainError("VALIDATION_ERROR", "a bill exists only for days up to today")
    lines = await _bill(ctx, day, method, progress)
    progress(f"comparing {len(lines)} bill lines with our books")
    found = await compare(ctx, day, method, lines)
    progress(f"storing {found.matched} matched, {len(found.findings)} discrepancies")
    return await _store(day, method, found, len(lines), who)


async def resolve(discrepancy_id: int, status: str, note: str, who: str) -> Discrepancy:
    """Mark a discrepancy resolved or ignored (with why), or reopen it."""
    async with in_transaction():
        row = await Discrepancy.select_for_update().get_or_none(id=discrepancy_id)
        if row is None:
            raise not_found("discrepancy")
        row.status, row.note = status, note
        row.resolved_by, row.resolved_at = (None, None) if status == "open" else (who, now())
        await row.save()
        open_count = await Discrepancy.filter(
            reconciliation_id=row.reconciliation_id, status="open"
        ).count()
        await Reconciliation.filter(id=row.reconciliation_id).update(open_discrepancies=open_count)
    return row
