"""Shapes of channel sessions and channel-app administration."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.bounds import key, line, text
from api.schemas import Body, Out


class SessionRequest(Body):
    """One of: ``code`` (WeChat ``wx.login``), ``auth_code`` (Alipay ``my.getAuthCode``),
    ``user_ref`` (in-house app, with the partner's access token)."""

    code: key(128) | None = None
    auth_code: key(128) | None = None
    user_ref: key(128) | None = None


class SessionOut(Out):
    token: str
    expires_in: int
    user_id: str


class ChannelAppCreate(Body):
    kind: Literal["wechat", "alipay", "inhouse"]
    name: line(128)
    app_id: key(64) | None = Field(
        default=None,
        description="The platform's appid (WeChat/Alipay); omitted for in-house apps",
    )
    app_secret: key(256) | None = Field(default=None, description="WeChat app secret")
    app_private_key: text(8192) | None = Field(
        default=None, description="Alipay: our app's RSA private key (PEM)"
    )
    alipay_public_key: text(8192) | None = Field(
        default=None, description="Alipay: the platform's public key (PEM)"
    )
    institution_code: key(32) | None = None
    webhook_url: str | None = Field(
        default=None,
        max_length=512,
        pattern=r"^https?://[\x21-\x7e]+$",
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
