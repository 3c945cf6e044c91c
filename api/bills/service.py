"""HIS bills: a hospital system posts a bill for its own patient, the resident sees and pays
it (payments takes the money through ``payable``), the hospital follows it, cancels an unpaid
one and refunds items of a paid one.

Rules: a bill belongs to the institution of the terminal that posted it; any other terminal
gets 404. Posting is idempotent by visit number + bill number (a replay with other items is a
conflict). The amount is Σ quantity × unit price, computed here, never taken from the client.
A refund returns whole items (quantity × unit price) and never more than was paid.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from api.audit import service as audit
from api.bills.models import Bill, BillItem
from api.bills.schemas import BillRequest, RefundLine
from api.cards.service import held_cards
from api.context import AppContext
from api.crypto.sm import sm3_hex
from api.errors import DomainError, not_found
from api.payments import service as payments
from api.payments.insurance import settlements as insurance_settlements
from api.payments.models import Payment
from api.principals import Caller
from api.terminals.models import PatientRecord
from api.terminals.service import terminal_of

ITEM_NAME = "bill.item"  # the sealing context of item names


@dataclass(frozen=True)
class BillView:
    """A bill with its lines (names still sealed: ``views`` opens them)."""

    bill: Bill
    items: list[BillItem]


def _digest(req: BillRequest) -> str:
    lines = [[i.code, i.name, i.quantity, i.amount] for i in req.items]
    return sm3_hex(json.dumps([req.visit_no, lines], ensure_ascii=False).encode())


async def _patient(institution_code: str, patient_id: str) -> PatientRecord:
    record = await PatientRecord.get_or_none(
        institution_code=institution_code, patient_id=patient_id
    )
    if record is None:
        raise not_found("patient")
    return record


async def post_bill(ctx: AppContext, caller: Caller, req: BillRequest) -> tuple[BillView, bool]:
    """Record a bill for one of the terminal's institution's patients; returns it and whether
    it is new (a replay of the same visit and bill number answers the bill already posted)."""
    terminal = await terminal_of(ctx, caller)
    patient = await _patient(terminal.institution_code, req.patient_id)
    digest = _digest(req)
    bill_no = req.bill_no or digest[:16]
    existing = await _existing(terminal.institution_code, req.visit_no, bill_no, digest)
    if existing is not None:
        return existing, False
    bill = Bill(
        bill_id="B" + secrets.token_hex(11), institution_code=terminal.institution_code,
        terminal_id=terminal.terminal_id, patient_id=patient.patient_id, card_id=patient.card_id,
        visit_no=req.visit_no, bill_no=bill_no, digest=digest,
        amount=sum(i.quantity * i.amount for i in req.items),
    )  # fmt: skip
    if bill.amount > 2**31 - 1:
        raise DomainError("VALIDATION_ERROR", "the bill's amount is too large")
    ring = ctx.keys.ring
    items = [
        BillItem(bill_id=bill.bill_id, line=n, code=i.code, quantity=i.quantity,
                 unit_price=i.amount, name_sealed=ring.seal(i.name, context=ITEM_NAME))
        for n, i in enumerate(req.items, 1)
    ]  # fmt: skip
    try:
        async with in_transaction():
            await bill.save()
            await BillItem.bulk_create(items)
            await audit.record(
                caller, "bill.post", target_type="bill", target_id=bill.bill_id,
                detail={"amount": bill.amount, "visit_no": bill.visit_no},
            )  # fmt: skip
    except IntegrityError:  # the same bill posted twice at once: the first one stands
        again = await _existing(terminal.institution_code, req.visit_no, bill_no, digest)
        if again is None:
            raise
        return again, False
    return BillView(bill, items), True


async def _existing(code: str, visit_no: str, bill_no: str, digest: str) -> BillView | None:
    bill = await Bill.get_or_none(institution_code=code, visit_no=visit_no, bill_no=bill_no)
    if bill is None:
        return None
    if bill.digest != digest:
        raise DomainError("CONFLICT", "this visit already has this bill number with other items")
    return await _view(bill)


async def _view(bill: Bill) -> BillView:
    return BillView(bill, list(await BillItem.filter(bill_id=bill.bill_id).order_by("line")))


async def _institution_bill(ctx: AppContext, caller: Caller, bill_id: str) -> Bill:
    terminal = await terminal_of(ctx, caller)
    bill = await Bill.get_or_none(bill_id=bill_id)
    if bill is None or bill.institution_code != terminal.institution_code:
        raise not_found("bill")
    return bill


async def hospital_bill(ctx: AppContext, caller: Caller, bill_id: str) -> BillView:
    """One of the terminal's institution's bills (any other is 404)."""
    return await _view(await _institution_bill(ctx, caller, bill_id))


async def cancel(ctx: AppContext, caller: Caller, bill_id: str) -> BillView:
    """Cancel an unpaid bill (a payment arriving later is given back)."""
    bill = await _institution_bill(ctx, caller, bill_id)
    async with in_transaction():
        moved = await Bill.filter(bill_id=bill_id, status="unpaid").update(status="cancelled")
        if not moved:
            raise DomainError("INVALID_STATE", f"a {bill.status} bill cannot be cancelled")
        await audit.record(caller, "bill.cancel", target_type="bill", target_id=bill_id)
    return await _view(await Bill.get(bill_id=bill_id))


async def refund_items(
    ctx: AppContext, caller: Caller, bill_id: str, lines: list[RefundLine], reason: str
) -> tuple[BillView, str, int]:
    """Give back whole items of a paid bill (to WeChat Pay or Alipay); returns the bill, the
    refund's id and its amount. A bill paid with medical insurance is refunded whole (the
    insurance platform takes back a settlement only as a whole)."""
    bill = await _institution_bill(ctx, caller, bill_id)
    if bill.status != "paid" or not bill.payment_id:
        raise DomainError("INVALID_STATE", f"a {bill.status} bill has nothing to refund")
    payment = await Payment.get(payment_id=bill.payment_id)
    amount = await _reserve_items(bill, lines)
    try:
        refund_id = await _give(ctx, bill, payment, amount, reason)
    except Exception:
        await _unreserve_items(bill, lines, amount)
        raise
    async with in_transaction():
        await Bill.filter(bill_id=bill_id, amount=F("refunded")).update(status="refunded")
        await audit.record(
            caller, "bill.refund", target_type="bill", target_id=bill_id,
            detail={"amount": amount, "lines": [[x.line, x.quantity] for x in lines]},
        )  # fmt: skip
    return await _view(await Bill.get(bill_id=bill_id)), refund_id, amount


async def refund_paid_by(
    ctx: AppContext, caller: Caller, bill_id: str, payment_id: str, reason: str
) -> bool:
    """Give back every item not yet refunded of a bill that ``payment_id`` paid (a charge taken
    back at the institution's counter): the bill ends ``refunded``. False, and nothing done,
    when that payment is not what paid the bill."""
    bill = await _institution_bill(ctx, caller, bill_id)
    if bill.status != "paid" or bill.payment_id != payment_id:
        return False
    left = [
        RefundLine(line=i.line, quantity=i.quantity - i.refunded_quantity)
        for i in await BillItem.filter(bill_id=bill_id).order_by("line")
        if i.refunded_quantity < i.quantity
    ]
    if not left:
        return False
    await refund_items(ctx, caller, bill_id, left, reason)
    return True


async def _give(ctx: AppContext, bill: Bill, payment: Payment, amount: int, reason: str) -> str:
    settlement = await insurance_settlements.of_payment(payment.payment_id)
    if settlement is None:
        return (await payments.refund(ctx, payment, amount, reason)).refund_id
    if bill.refunded + amount != bill.amount:
        raise DomainError(
            "REFUND_NOT_PARTIAL", "a bill paid with medical insurance is refunded whole"
        )
    await payments.give_back(ctx, payment, reason)
    return settlement.refund_no or payment.payment_id


async def _reserve_items(bill: Bill, lines: list[RefundLine]) -> int:
    """Count the items as refunded (if that many are left); returns their amount."""
    amount = 0
    async with in_transaction():
        for wanted in lines:
            item = await BillItem.get_or_none(bill_id=bill.bill_id, line=wanted.line)
            if item is None:
                raise not_found("bill line")
            taken = await BillItem.filter(
                id=item.id, refunded_quantity__lte=item.quantity - wanted.quantity
            ).update(refunded_quantity=F("refunded_quantity") + wanted.quantity)
            if not taken:
                raise DomainError("REFUND_EXCEEDS_PAID", f"line {wanted.line}: not that many left")
            amount += wanted.quantity * item.unit_price
        await Bill.filter(bill_id=bill.bill_id).update(refunded=F("refunded") + amount)
    return amount


async def _unreserve_items(bill: Bill, lines: list[RefundLine], amount: int) -> None:
    async with in_transaction():
        for wanted in lines:
            await BillItem.filter(bill_id=bill.bill_id, line=wanted.line).update(
                refunded_quantity=F("refunded_quantity") - wanted.quantity
            )
        await Bill.filter(bill_id=bill.bill_id).update(refunded=F("refunded") - amount)


async def resident_bills(caller: Caller, status: str | None) -> list[BillView]:
    """The bills of every card the resident holds, newest first."""
    card_ids = [held.card.card_id for held in await held_cards(caller)]
    query = Bill.filter(card_id__in=card_ids)
    if status:
        query = query.filter(status=status)
    bills = await query.order_by("-created_at").limit(100)
    items: dict[str, list[BillItem]] = {b.bill_id: [] for b in bills}
    for item in await BillItem.filter(bill_id__in=list(items)).order_by("line"):
        items[item.bill_id].append(item)  # type: ignore[attr-defined]
    return [BillView(b, items[b.bill_id]) for b in bills]
