"""Message templates and the WeChat one-time subscription grants (the outbox itself lives in
``api.outbox``)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


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


class InstitutionWebhook(Model):
    """Where an institution's HIS hears about its bills (bill_paid): a URL, and the
    terminal client whose secret signs each post (the HIS checks it like a partner would)."""

    institution_code = fields.CharField(max_length=32, primary_key=True)
    url = fields.CharField(max_length=512)
    client_id = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "institution_webhook"
