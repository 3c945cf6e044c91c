"""Channel apps (mini-programs and in-house apps), residents and their platform identities."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

CHANNEL_KINDS = ("wechat", "alipay", "inhouse")
# National usage-channel code (DOMAIN.md) recorded with each card use coming from a channel.
CHANNEL_USAGE_CODES = {"wechat": "0402", "alipay": "0402", "inhouse": "0402"}


class ChannelApp(Model):
    """An app residents come from. ``app_id`` is the platform's appid (WeChat ``wx…``, Alipay
    ``2021…``) or, for an in-house app, the partner client's id."""

    app_id = fields.CharField(max_length=64, primary_key=True)
    kind = fields.CharField(max_length=16)
    name = fields.CharField(max_length=128)
    institution_code = fields.CharField(max_length=32, null=True)
    # WeChat app secret, or Alipay app private key (PEM), sealed with SM4.
    secret_sealed = fields.TextField(null=True)
    platform_public_key = fields.TextField(null=True)  # Alipay's public key (PEM)
    webhook_url = fields.CharField(max_length=512, null=True)  # in-house apps' message pushes
    status = fields.CharField(max_length=16, default="active")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "channel_app"


class ResidentUser(Model):
    """A resident account: one per platform user, whatever app of that platform they use."""

    user_id = fields.CharField(max_length=40, primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "resident_user"


class ChannelIdentity(Model):
    """A platform user (openid, Alipay user id, partner user ref) mapped to one resident."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=80)  # wechat:<appid> | alipay | inhouse:<client_id>
    platform_user = fields.CharField(max_length=128)
    user: fields.ForeignKeyRelation[ResidentUser] = fields.ForeignKeyField(
        "ehc.ResidentUser", related_name="identities", on_delete=fields.CASCADE
    )
    app_id = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "channel_identity"
        unique_together = (("scope", "platform_user"),)
