"""The stand-in platforms' memory: one object per mock app, no module globals."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class OneTimeCode:
    """A login code (wx.login / my.getAuthCode): single-use, five minutes."""

    user: str
    app_id: str | None
    expires_at: float
    used: bool = False

    def live(self, now: float | None = None) -> bool:
        return not self.used and (now or time.time()) < self.expires_at


@dataclass
class MockState:
    """Everything the stand-ins remember while they run."""

    wechat_apps: dict[str, str] = field(default_factory=dict)  # appid → secret
    wechat_tokens: dict[str, str] = field(default_factory=dict)  # access_token → appid
    wechat_codes: dict[str, OneTimeCode] = field(default_factory=dict)
    wechat_grants: dict[tuple[str, str], int] = field(default_factory=dict)
    wechat_messages: list[dict[str, Any]] = field(default_factory=list)
    alipay_apps: dict[str, str] = field(default_factory=dict)  # app_id → app public key PEM
    alipay_codes: dict[str, OneTimeCode] = field(default_factory=dict)
    sms: list[dict[str, str]] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # id number → name
    phones: dict[str, str] = field(default_factory=dict)  # id number → phone in their name
    faces: dict[str, dict[str, Any]] = field(default_factory=dict)  # certify id → face check
    faults: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    alipay_messages: list[dict[str, Any]] = field(default_factory=list)
    partner_secrets: dict[str, str] = field(default_factory=dict)
    partner_messages: list[dict[str, Any]] = field(default_factory=list)
    alipay_trades: dict[str, Any] = field(default_factory=dict)
    alipay_notifies: list[dict[str, Any]] = field(default_factory=list)
    bill_files: dict[str, bytes] = field(default_factory=dict)  # Alipay download token → zip
    wechatpay: dict[str, Any] = field(
        default_factory=lambda: {"merchants": {}, "orders": {}, "notifies": [], "retry_scale": 1.0}
    )
    payment_codes: dict[str, Any] = field(  # payment codes and reversed orders (被扫)
        default_factory=lambda: {"codes": {}, "reversed": set()}
    )
    insurance: dict[str, Any] = field(  # the medical-insurance platform (insurance.py)
        default_factory=lambda: {
            k: {} for k in ("institutions", "people", "auth_codes", "pay_auths", "orders")
        }
    )
    platform: dict[str, Any] = field(  # the platform above (platform.py)
        default_factory=lambda: {
            "apps": {"ehc-demo-centre": "demo-platform-secret"},  # the demo's (DEMO values)
            "routes": {}, "cards": {}, "usage": {}, "history": {}, "record_ids": set(),
            "duplicates": 0, "blacklist": [],
        }
    )  # fmt: skip
