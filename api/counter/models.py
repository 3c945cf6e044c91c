"""Charges of a payment code scanned at a counter. The money itself is a ``Payment`` (same id,
the out_trade_no the platform knows), so refunds, the sweep and the daily reconciliation treat
it as any other; this row says where and for what it was taken, and why it ended unpaid."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

OUTCOMES = ("failed", "reversed")  # how a charge ended without money (its payment closed)


class CounterCharge(Model):
    """One payment code charged at one terminal."""

    charge_id = fields.CharField(max_length=32, primary_key=True)  # = payment_id
    terminal_id = fields.CharField(max_length=64, db_index=True)
    institution_code = fields.CharField(max_length=32)
    method = fields.CharField(max_length=8)
    auth_code_masked = fields.CharField(max_length=32)
    appointment_id = fields.CharField(max_length=24, null=True, db_index=True)
    bill_id = fields.CharField(max_length=32, null=True, db_index=True)
    outcome = fields.CharField(max_length=16, null=True)
    reason = fields.CharField(max_length=255, null=True)
    deadline = fields.DatetimeField()  # unconfirmed by then: reversed
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "counter_charge"
