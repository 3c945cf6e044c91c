"""API clients: partners (in-house apps), terminals and peer card centres share one model."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

CLIENT_KINDS = ("partner", "terminal", "peer")
DEFAULT_SCOPES = {"partner": ["channel"], "terminal": ["pos"], "peer": ["peer"]}


class Client(Model):
    """One holder of a client id and secret (or SM2 public key) for ``POST /auth/token``."""

    client_id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharField(max_length=16)
    scopes = fields.JSONField(default=list)
    # The HMAC-SM3 secret must be usable, so it is sealed (SM4) rather than hashed.
    secret_sealed = fields.TextField(null=True)
    sm2_public_key = fields.CharField(max_length=130, null=True)
    institution_code = fields.CharField(max_length=32, null=True)
    status = fields.CharField(max_length=16, default="active")
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_client"


class SpentNonce(Model):
    """A signed token request's nonce, kept until it expires: the durable record of single use
    that a Redis losing its data cannot make new again (the Redis claim refuses most replays
    first, without a write here)."""

    id = fields.BigIntField(primary_key=True)
    client_id = fields.CharField(max_length=64)
    nonce = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "spent_nonce"
        unique_together = (("client_id", "nonce"),)
