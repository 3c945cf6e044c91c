"""Card-centre staff accounts."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AdminUser(Model):
    """An administrator who signs in with a password and a TOTP code."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    totp_secret_sealed = fields.TextField()
    # The last TOTP time step that signed in: a code is never accepted twice.
    last_totp_step = fields.BigIntField(default=0)
    failed_attempts = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    is_active = fields.BooleanField(default=True)
    # What the admin may do and where (api/policy.py): a region code, an institution code, or
    # nothing for the whole centre.
    role = fields.CharField(max_length=24, default="centre_admin")
    scope = fields.CharField(max_length=32, null=True)
    created_by = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "admin_user"
