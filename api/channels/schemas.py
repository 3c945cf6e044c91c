"""Shapes of channel sessions and channel-app administration."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas import Body, Out


class SessionRequest(Body):
    """One of: ``code`` (WeChat ``wx.login``), ``auth_code`` (Alipay ``my.getAuthCode``),
    ``user_ref`` (in-house app, with the partner's access token)."""

    code: str | None = Field(default=None, min_length=1, max_length=128)
    auth_code: str | None = Field(default=None, min_length=1, max_length=128)
    user_ref: str | None = Field(default=None, min_length=1, max_length=128)


class SessionOut(Out):
    token: str
    expires_in: int
    user_id: str


class ChannelAppCreate(Body):
    kind: Literal["wechat", "alipay", "inhouse"]
    name: str = Field(min_length=1, max_length=128)
    app_id: str | None = Field(
        default=None,
        max_length=64,
        description="The platform's appid (WeChat/Alipay); omitted for in-house apps",
    )
    app_secret: str | None = Field(default=None, max_length=256, description="WeChat app secret")
    app_private_key: str | None = Field(
        default=None, max_length=8192, description="Alipay: our app's RSA private key (PEM)"
    )
    alipay_public_key: str | None = Field(
        default=None, max_length=8192, description="Alipay: the platform's public key (PEM)"
    )
    institution_code: str | None = Field(default=None, max_length=32)
    webhook_url: str | None = Field(
        default=None,
        max_length=512,
        pattern=r"^https?://",
        description="In-house apps: where message pushes are POSTed (HMAC-SM3 signed)",
    )


class ChannelAppOut(Out):
    app_id: str
    kind: str
    name: str
    institution_code: str | None
    webhook_url: str | None = None
    status: str
    created_at: datetime
    app_secret: str | None = Field(
        default=None, description="In-house apps: the partner secret, shown once"
    )


class ChannelAppList(Out):
    apps: list[ChannelAppOut]
