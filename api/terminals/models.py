"""Terminals at institutions, the patient records they open, and every use of a card."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# Terminal kinds and the national usage-channel code each reports (DOMAIN.md "Codes").
TERMINAL_KINDS = {
    "counter": "0100",
    "kiosk": "0200",
    "doctor": "0300",
    "pharmacy": "0100",
    "lab": "0100",
    "imaging": "0100",
    "inpatient": "0100",
}


class Terminal(Model):
    """A counter window, kiosk, doctor station… ``terminal_id`` is its API client's id."""

    terminal_id = fields.CharField(max_length=64, primary_key=True)
    institution_code = fields.CharField(max_length=32, db_index=True)
    kind = fields.CharField(max_length=16)
    channel_code = fields.CharField(max_length=8)
    name = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "terminal"


class PatientRecord(Model):
    """An institution's own patient record for a card (自动建档: made at first use)."""

    id = fields.BigIntField(primary_key=True)
    institution_code = fields.CharField(max_length=32)
    card_id = fields.CharField(max_length=64)
    issuer = fields.CharField(max_length=32)
    patient_id = fields.CharField(max_length=32, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "patient_record"
        unique_together = (("institution_code", "card_id"),)


class CardUsage(Model):
    """One use of a card at a terminal, for monitoring and statistics."""

    id = fields.BigIntField(primary_key=True)
    card_id = fields.CharField(max_length=64, db_index=True)
    issuer = fields.CharField(max_length=32)
    institution_code = fields.CharField(max_length=32)
    terminal_id = fields.CharField(max_length=64)
    channel_code = fields.CharField(max_length=8)
    medstep_code = fields.CharField(max_length=16)
    scene = fields.CharField(max_length=16)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "card_usage"
