"""Payments (orders in integer fen) and their refunds.

A payment changes state only under a row lock (``select_for_update``) so that any number of
duplicate or out-of-order notifies apply it once.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

PAYMENT_STATUSES = ("created", "paid", "refunded", "closed")
METHODS = ("wechat", "alipay")


class Payment(Model):
    """One attempt to pay one order (its id is the out_trade_no the platform knows)."""

    payment_id = fields.CharField(max_length=32, primary_key=True)
    # What is paid: a booking, or an HIS bill (then appointment_id is empty).
    appointment_id = fields.CharField(max_length=24, db_index=True, default="")
    bill_id = fields.CharField(max_length=24, null=True, db_index=True)
    user_id = fields.CharField(max_length=40, db_index=True)
    method = fields.CharField(max_length=8)
    app_id = fields.CharField(max_length=64)  # the mini-program the payer came through
    payer = fields.CharField(max_length=128)  # openid or Alipay buyer id
    subject = fields.CharField(max_length=128)
    amount = fields.IntField()
    status = fields.CharField(max_length=16, default="created", db_index=True)
    refunded = fields.IntField(default=0)
    platform_trade_no = fields.CharField(max_length=64, null=True)
    paid_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payment"


class Refund(Model):
    """Money going back to where it came from."""

    refund_id = fields.CharField(max_length=32, primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "ehc.Payment", related_name="refunds", on_delete=fields.RESTRICT
    )
    amount = fields.IntField()
    reason = fields.CharField(max_length=255)
    status = fields.CharField(max_length=16, default="pending")
    platform_refund_no = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"


DISCREPANCY_KINDS = ("missing_here", "missing_there", "amount_mismatch", "status_mismatch")
RESOLUTIONS = ("open", "resolved", "ignored", "cleared")


class Reconciliation(Model):
    """One day of one platform's bill compared with our books (a re-run updates it)."""

    id = fields.IntField(primary_key=True)
    day = fields.DateField()
    method = fields.CharField(max_length=8)
    matched = fields.IntField(default=0)
    open_discrepancies = fields.IntField(default=0)
    bill_lines = fields.IntField(default=0)
    bill_net = fields.BigIntField(default=0)  # fen: paid minus refunded, per the bill
    our_net = fields.BigIntField(default=0)  # fen: the same, per our books
    runs = fields.IntField(default=0)
    ran_at = fields.DatetimeField()
    ran_by = fields.CharField(max_length=64)

    class Meta:
        table = "reconciliation"
        unique_together = (("day", "method"),)


class Discrepancy(Model):
    """A bill line and our books that disagree, until someone resolves it (or a re-run finds it
    gone: cleared)."""

    id = fields.IntField(primary_key=True)
    reconciliation: fields.ForeignKeyRelation[Reconciliation] = fields.ForeignKeyField(
        "ehc.Reconciliation", related_name="discrepancy_rows", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=24)
    line = fields.CharField(max_length=8)  # payment or refund
    reference = fields.CharField(max_length=64)  # out_trade_no, or our refund number
    ours_amount = fields.IntField(null=True)
    platform_amount = fields.IntField(null=True)
    ours_status = fields.CharField(max_length=16, null=True)
    platform_status = fields.CharField(max_length=16, null=True)
    status = fields.CharField(max_length=16, default="open", db_index=True)
    note = fields.CharField(max_length=255, default="")
    resolved_by = fields.CharField(max_length=64, null=True)
    resolved_at = fields.DatetimeField(null=True)
    found_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "discrepancy"
        unique_together = (("reconciliation", "kind", "reference"),)


INSURANCE_STATUSES = (
    "presettled", "settled", "refunding", "refunded", "revoking", "revoked", "failed",
)  # fmt: skip


class InsuranceSettlement(Model):
    """The medical-insurance part of a payment: the platform's order and its split in fen.

    presettled, then settled once the self-pay part is paid, then refunding and refunded when
    the booking is cancelled. An unsettled one is revoking and then revoked. The -ing states
    are retried by the payment sweep until the platform confirms. failed means the platform
    refused a refund or revoke and an operator must look.
    """

    id = fields.IntField(primary_key=True)
    payment: fields.OneToOneRelation[Payment] = fields.OneToOneField(
        "ehc.Payment", related_name="insurance", on_delete=fields.RESTRICT
    )
    appointment_id = fields.CharField(max_length=24, db_index=True, default="")
    order_id = fields.CharField(max_length=64, unique=True)  # the platform's pay_ord_id
    psn_no = fields.CharField(max_length=64)  # the insured person's number at the platform
    total = fields.IntField()
    fund = fields.IntField()
    account = fields.IntField()
    self_pay = fields.IntField()
    status = fields.CharField(max_length=16, default="presettled", db_index=True)
    settle_id = fields.CharField(max_length=64, null=True)
    refund_no = fields.CharField(max_length=32, null=True)
    reason = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    settled_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "insurance_settlement"
