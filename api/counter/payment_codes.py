"""Telling a scanned payment code's platform by its prefix, as the platforms publish them:
WeChat Pay codes are 18 digits starting 10–15, Alipay codes 16–24 digits starting 25–30."""

from __future__ import annotations

from api.errors import DomainError

WECHAT_PREFIXES = range(10, 16)
ALIPAY_PREFIXES = range(25, 31)


def method_of(auth_code: str) -> str:
    """``wechat`` or ``alipay`` for a payment code (``VALIDATION_ERROR`` for anything else: a
    health-card QR code scanned by mistake, a bank card's code…)."""
    if auth_code.isdigit():
        prefix = int(auth_code[:2])
        if prefix in WECHAT_PREFIXES and len(auth_code) == 18:
            return "wechat"
        if prefix in ALIPAY_PREFIXES and 16 <= len(auth_code) <= 24:
            return "alipay"
    raise DomainError("VALIDATION_ERROR", "这不是微信或支付宝的付款码 (not a payment code)")


def masked(auth_code: str) -> str:
    """A payment code as it may be stored and logged: prefix and last four digits."""
    return auth_code[:2] + "*" * (len(auth_code) - 6) + auth_code[-4:]
