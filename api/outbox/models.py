"""The outbox: every event that must leave for another system (a resident's message, a
webhook, the platform above), written in the same transaction as the change that caused it and
delivered later by a worker, at least once, never lost by a crash."""

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
    # pending → claimed → sending → delivered | inbox_only; failures go back to pending with
    # a later available_at, then dead; a send cut off by a crash is unconfirmed (never resent
    # by itself: an admin decides).
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    available_at = fields.DatetimeField(auto_now_add=True)
    lease_until = fields.DatetimeField(null=True)
    worker = fields.CharField(max_length=64, null=True)
    channel = fields.CharField(max_length=16, null=True)
    delivery = fields.JSONField(default=dict)  # channel → "sent" | "no_quota" | error
    last_error = fields.CharField(max_length=255, null=True)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"


class OutboxRecord(Model):
    """One record for the platform above (a card registered, a status change, a use), waiting
    to be uploaded. ``record_id`` is what the platform de-duplicates by; uploads go in ``id``
    order, so a card's records arrive in the order they happened."""

    id = fields.BigIntField(primary_key=True)
    record_id = fields.CharField(max_length=32, unique=True)
    kind = fields.CharField(max_length=16)  # card.register | card.status | card.usage
    card_id = fields.CharField(max_length=64, db_index=True)
    payload = fields.JSONField(default=dict)  # never personal data: read at upload time
    # pending → sent (the platform holds it) | refused (the platform said no, for good)
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_record"
