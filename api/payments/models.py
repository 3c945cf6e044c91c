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
    appointment_id = fields.CharField(max_length=24, db_index=True)
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
