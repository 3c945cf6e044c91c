"""HIS bills (诊间结算): what a hospital system asks its patient to pay after a consultation.

Item names say what was done to whom (a test, a drug): they are stored sealed like other
personal data. Amounts are integer fen; a bill's amount is Σ quantity × unit price.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

BILL_STATUSES = ("unpaid", "paid", "cancelled", "refunded")


class Bill(Model):
    """One bill of one visit, unique per institution by visit number and bill number."""

    bill_id = fields.CharField(max_length=24, primary_key=True)
    institution_code = fields.CharField(max_length=32)
    terminal_id = fields.CharField(max_length=64)  # the HIS client that posted it
    patient_id = fields.CharField(max_length=32)
    card_id = fields.CharField(max_length=64, db_index=True)
    visit_no = fields.CharField(max_length=64)
    bill_no = fields.CharField(max_length=64)
    digest = fields.CharField(max_length=64)  # SM3 of the items: a replay must carry the same
    amount = fields.IntField()
    refunded = fields.IntField(default=0)
    status = fields.CharField(max_length=16, default="unpaid", db_index=True)
    payment_id = fields.CharField(max_length=32, null=True)
    paid_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "his_bill"
        unique_together = (("institution_code", "visit_no", "bill_no"),)


class BillItem(Model):
    """One line of a bill (refunded_quantity of it went back)."""

    id = fields.BigIntField(primary_key=True)
    bill: fields.ForeignKeyRelation[Bill] = fields.ForeignKeyField(
        "ehc.Bill", related_name="items", on_delete=fields.CASCADE
    )
    line = fields.IntField()
    code = fields.CharField(max_length=32)
    name_sealed = fields.TextField()
    quantity = fields.IntField()
    unit_price = fields.IntField()
    refunded_quantity = fields.IntField(default=0)

    class Meta:
        table = "his_bill_item"
        unique_together = (("bill", "line"),)
