"""Where the sync with the platform above stands: one row, leased by the one pass that runs."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SyncState(Model):
    """The upload and blacklist cursor of the sync with the platform above."""

    name = fields.CharField(max_length=32, primary_key=True)
    lease_until = fields.DatetimeField(null=True)
    holder = fields.CharField(max_length=64, null=True)
    failures = fields.IntField(default=0)  # failed attempts in a row
    next_attempt_at = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=255, null=True)
    blacklist_cursor = fields.BigIntField(default=0)

    class Meta:
        table = "sync_state"
