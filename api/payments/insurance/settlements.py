"""The life of a stored insurance settlement after it was pre-settled: settled when the
self-pay money is confirmed, refunded when the booking is cancelled, revoked when nobody will
pay. Each change happens once, under a row lock, and never while a transaction is open around
a platform call. A refund or revoke whose answer did not arrive stays ``refunding`` /
``revoking`` and the payment sweep repeats it (the platform takes each once); one the platform
refuses is ``failed``, audited, and left to an operator.
"""

from __future__ import annotations

import logging
from typing import Any

from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.context import AppContext
from api.errors import DomainError
from api.outbox.service import enqueue
from api.payments.gateways.insurance import InsurancePlatform, InsuranceRefusal, Split
from api.payments.models import InsuranceSettlement, Payment
from api.payments.numbers import refund_number
from api.principals import Origin
from api.timefmt import now

log = logging.getLogger("ehc.payments.insurance")
RETRY_BATCH = 100


def platform_of(ctx: AppContext) -> InsurancePlatform:
    """The insurance platform adapter, or INSURANCE_UNAVAILABLE when none is configured."""
    platform = ctx.adapters.insurance
    if platform is None:
        raise DomainError("INSURANCE_UNAVAILABLE", "medical-insurance payment is not available")
    return platform  # type: ignore[no-any-return]


def stored_split(settlement: InsuranceSettlement) -> Split:
    """The split a settlement holds."""
    return Split(settlement.fund, settlement.account, settlement.self_pay)


async def move(
    settlement_id: int, sources: tuple[str, ...], target: str, **changes: Any
) -> InsuranceSettlement | None:
    """One state change under a row lock; None when the row was no longer in ``sources``."""
    async with in_transaction():
        row = await InsuranceSettlement.select_for_update().get(id=settlement_id)
        if row.status not in sources:
            return None
        row.status = target
        for name, value in changes.items():
            setattr(row, name, value)
        await row.save(update_fields=["status", "updated_at", *changes])
    return row


async def settle(ctx: AppContext, payment: Payment, trade_no: str | None) -> bool:
    """The self-pay part of ``payment`` was paid: settle its insurance part first. True when
    there is none or it settled; False when the platform refused (the order is then revoked and
    the caller gives the self-pay back). Unreachable platform: DomainError (the notify is
    retried)."""
    settlement = await InsuranceSettlement.get_or_none(payment_id=payment.payment_id)
    if settlement is None or settlement.status == "settled":
        return True
    if settlement.status != "presettled":
        return False  # revoked meanwhile (the hold lapsed): this money goes back
    try:
        settle_id = await platform_of(ctx).settle(
            settlement.order_id, stored_split(settlement), trade_no
        )
    except InsuranceRefusal as exc:
        log.error("insurance settle refused", extra={"fields": {"code": exc.code}})
        await _revoke(ctx, settlement.id, f"settle refused: {exc.code}")
        return False
    await move(settlement.id, ("presettled",), "settled", settle_id=settle_id, settled_at=now())
    return True


async def release(ctx: AppContext, payment: Payment) -> None:
    """``payment`` will not be paid (closed, superseded, its hold lapsed): close it if still
    open and revoke its pre-settlement."""
    await Payment.filter(payment_id=payment.payment_id, status="created").update(
        status="closed", closed_at=now()
    )
    settlement = await InsuranceSettlement.get_or_none(payment_id=payment.payment_id)
    if settlement is not None:
        await _revoke(ctx, settlement.id, "the payment was closed unpaid")


async def _revoke(ctx: AppContext, settlement_id: int, reason: str) -> None:
    row = await move(settlement_id, ("presettled",), "revoking", reason=reason[:255])
    if row is not None:
        await _finish_revoke(ctx, row)


async def _finish_revoke(ctx: AppContext, row: InsuranceSettlement) -> bool:
    """Withdraw the order (if the platform says it cannot, ask it what the order is). False
    when the platform did not answer: the sweep tries again."""
    platform = platform_of(ctx)
    try:
        await platform.revoke(row.order_id)
    except DomainError:
        log.warning("insurance revoke pending", extra={"fields": {"order": row.order_id}})
        return False
    except InsuranceRefusal as exc:
        await _reconcile_revoke(ctx, row, exc)
        return True
    await move(row.id, ("revoking",), "revoked", finished_at=now())
    return True


async def _reconcile_revoke(
    ctx: AppContext, row: InsuranceSettlement, exc: InsuranceRefusal
) -> None:
    # A settle whose answer was lost leaves a settled order behind: refund it instead.
    try:
        order = await platform_of(ctx).query(row.order_id)
    except (DomainError, InsuranceRefusal):
        order = None
    if order is not None and order.status == "revoked":
        await move(row.id, ("revoking",), "revoked", finished_at=now())
    elif order is not None and order.status == "settled":
        moved = await move(row.id, ("revoking",), "refunding", refund_no=refund_number())
        if moved is not None:
            await _finish_refund(ctx, moved)
    else:
        await _fail(row, "insurance.revoke_refused", exc.code)


async def refund(ctx: AppContext, payment: Payment, reason: str) -> None:
    """The insurance part of a paid payment goes back to the fund and the personal account.
    An unreachable platform is retried by the sweep (the refund may finish after the answer)."""
    settlement = await InsuranceSettlement.get_or_none(payment_id=payment.payment_id)
    if settlement is None:
        return
    row = await move(
        settlement.id, ("settled",), "refunding", reason=reason[:255], refund_no=refund_number()
    )
    if row is not None:
        await _finish_refund(ctx, row)


async def _finish_refund(ctx: AppContext, row: InsuranceSettlement) -> bool:
    """Refund the order at the platform. False when it did not answer: the sweep tries again."""
    try:
        await platform_of(ctx).refund(row.order_id, row.refund_no or "", row.reason)
    except DomainError:
        log.warning("insurance refund pending", extra={"fields": {"order": row.order_id}})
        return False
    except InsuranceRefusal as exc:
        await _fail(row, "insurance.refund_refused", exc.code)
        return True
    async with in_transaction():
        done = await move(row.id, ("refunding",), "refunded", finished_at=now())
        if done is None:
            return True
        # A payment the insurance paid alone has nothing else to refund: it is refunded now.
        payment_id = row.payment_id  # type: ignore[attr-defined]
        await Payment.filter(payment_id=payment_id, amount=0, status="paid").update(
            status="refunded"
        )
        payment = await Payment.get(payment_id=payment_id)
        if row.fund + row.account > 0:
            await enqueue(
                "refund_made",
                payment.user_id,
                {"amount": row.fund + row.account, "method": "insurance", "reason": row.reason},
            )
    return True


async def _fail(row: InsuranceSettlement, action: str, code: str) -> None:
    """The platform refused a refund or revoke: stop retrying, leave it to an operator."""
    log.error("insurance order needs an operator", extra={"fields": {"order": row.order_id}})
    async with in_transaction():
        if await move(row.id, ("revoking", "refunding"), "failed", finished_at=now()):
            await audit.record(
                Origin(None, None), action, target_type="payment",
                target_id=row.payment_id, detail={"order": row.order_id, "code": code},  # type: ignore[attr-defined]
            )  # fmt: skip


async def retry_unfinished(ctx: AppContext) -> int:
    """The sweep's part: repeat refunds and revokes the platform has not confirmed yet."""
    if ctx.adapters.insurance is None:
        return 0
    pending = await InsuranceSettlement.filter(status__in=("revoking", "refunding")).limit(
        RETRY_BATCH
    )
    done = 0
    for row in pending:
        finish = _finish_revoke if row.status == "revoking" else _finish_refund
        if not await finish(ctx, row):
            break  # the platform is down: the next sweep tries again
        done += 1
    return done


async def insured_payment_ids(appointment_id: str) -> list[str]:
    """The booking's payments that carry an insurance split (never reused for a plain one)."""
    return await InsuranceSettlement.filter(appointment_id=appointment_id).values_list(
        "payment_id", flat=True
    )  # type: ignore[return-value]


async def of_payment(payment_id: str) -> InsuranceSettlement | None:
    """A payment's insurance split, if it has one."""
    return await InsuranceSettlement.get_or_none(payment_id=payment_id)
