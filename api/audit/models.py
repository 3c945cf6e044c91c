"""The audit trail: who read or changed what, when, and from where."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One audited action. ``detail`` never holds personal data in clear."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_type = fields.CharField(max_length=16)  # admin, client, resident, system
    actor_id = fields.CharField(max_length=64)
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=32, null=True)
    target_id = fields.CharField(max_length=128, null=True, db_index=True)
    ip = fields.CharField(max_length=64, null=True)
    request_id = fields.CharField(max_length=64, null=True)
    detail = fields.JSONField(null=True)

    class Meta:
        table = "audit_entry"
