"""The outbox: every event a resident should hear of, written in the same transaction as the
change that caused it, and delivered later by a worker."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    """One event for one resident user, waiting for (or done with) delivery."""

    id = fields.BigIntField(primary_key=True)
    event = fields.CharField(max_length=32)
    user_id = fields.CharField(max_length=40, db_index=True)
    card_id = fields.CharField(max_length=64, null=True)
    payload = fields.JSONField(default=dict)
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    available_at = fields.DatetimeField(auto_now_add=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
