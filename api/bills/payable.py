"""Bills as payments sees them (``api.payables``): the composition root hands
:data:`BILL_PAYABLES` to the context, so payments never imports this area.

A bill is payable while it is unpaid: by a resident holding its card, or at a counter of its
institution (the patient's payment code, scanned: ``api.counter.charges``). The first payment
that arrives makes it paid and sends ``bill_paid`` to the institution's webhook (in the same
transaction: the outbox); any later one is given back by payments."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api.bills.models import Bill, BillItem
from api.bills.service import ITEM_NAME
from api.cards.service import held_cards
from api.context import AppContext
from api.errors import DomainError, not_found
from api.outbox.service import enqueue_for_institution
from api.payables import Payable, PayableItem
from api.principals import Caller
from api.timefmt import now


class BillPayables:
    """The bills area's :class:`api.payables.PayableSource`."""

    async def load(self, ctx: AppContext, caller: Caller, payable_id: str) -> Payable:
        """An unpaid bill of one of the caller's cards."""
        bill = await Bill.get_or_none(bill_id=payable_id)
        held = {h.card.card_id for h in await held_cards(caller)}
        if bill is None or bill.card_id not in held:
            raise not_found("bill")
        return await _payable(ctx, bill)

    async def load_for_institution(
        self, ctx: AppContext, institution_code: str, payable_id: str
    ) -> Payable:
        """An unpaid bill of the institution (locked while the caller's transaction lasts)."""
        bill = await Bill.select_for_update().get_or_none(bill_id=payable_id)
        if bill is None or bill.institution_code != institution_code:
            raise not_found("bill")
        return await _payable(ctx, bill)

    async def mark_paid(self, ctx: AppContext, payable_id: str, payment_id: str) -> bool:
        """unpaid → paid, once; the institution is told by webhook."""
        async with in_transaction():
            at = now()
            moved = await Bill.filter(bill_id=payable_id, status="unpaid").update(
                status="paid", payment_id=payment_id, paid_at=at
            )
            if moved:
                bill = await Bill.get(bill_id=payable_id)
                await enqueue_for_institution(
                    "bill_paid", bill.institution_code,
                    {"bill_id": bill.bill_id, "visit_no": bill.visit_no, "bill_no": bill.bill_no,
                     "patient_id": bill.patient_id, "amount": bill.amount,
                     "payment_id": payment_id, "paid_at": at.isoformat()},
                )  # fmt: skip
        return bool(moved)


async def _payable(ctx: AppContext, bill: Bill) -> Payable:
    """The bill as payments sees it, while it waits for payment."""
    if bill.status != "unpaid":
        raise DomainError("NOT_PAYABLE", f"a {bill.status} bill is not waiting for payment")
    ring = ctx.keys.ring
    items = tuple(
        PayableItem(i.code, ring.open(i.name_sealed, context=ITEM_NAME), i.quantity, i.unit_price)
        for i in await BillItem.filter(bill_id=bill.bill_id).order_by("line")
    )
    return Payable(
        kind="bill", id=bill.bill_id, card_id=bill.card_id, amount=bill.amount,
        subject=f"门诊缴费 {bill.visit_no}", items=items,
    )  # fmt: skip


BILL_PAYABLES = BillPayables()
