"""Bills as the hospital and the resident see them (item names opened from their seal)."""

from __future__ import annotations

from api.bills.schemas import BillItemOut, BillOut
from api.bills.service import ITEM_NAME, BillView
from api.context import AppContext


def bill_out(ctx: AppContext, view: BillView) -> BillOut:
    """The whole bill with its lines."""
    bill, ring = view.bill, ctx.keys.ring
    return BillOut(
        bill_id=bill.bill_id, amount=bill.amount, status=bill.status,
        institution_code=bill.institution_code, patient_id=bill.patient_id,
        visit_no=bill.visit_no, bill_no=bill.bill_no, refunded=bill.refunded,
        payment_id=bill.payment_id, paid_at=bill.paid_at, created_at=bill.created_at,
        items=[
            BillItemOut(line=i.line, code=i.code, name=ring.open(i.name_sealed, context=ITEM_NAME),
                        quantity=i.quantity, amount=i.unit_price,
                        refunded_quantity=i.refunded_quantity)
            for i in view.items
        ],
    )  # fmt: skip
