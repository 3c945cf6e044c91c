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


class MessageTemplate(Model):
    """An admin's wording of an event on a channel (defaults live in templates.py)."""

    id = fields.BigIntField(primary_key=True)
    event = fields.CharField(max_length=32)
    channel = fields.CharField(max_length=16)
    template_id = fields.CharField(max_length=64)  # the platform's template id
    title = fields.CharField(max_length=64)
    text = fields.CharField(max_length=500)
    urgent = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "message_template"
        unique_together = (("event", "channel"),)


class Subscription(Model):
    """One-time subscribe grants a user gave a template in the mini-program (one grant, one
    send)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=40)
    template_id = fields.CharField(max_length=64)  # the template (event) name of API.md
    remaining = fields.IntField(default=0)

    class Meta:
        table = "message_subscription"
        unique_together = (("user_id", "template_id"),)
