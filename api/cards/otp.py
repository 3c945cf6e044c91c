"""SMS one-time codes for real-name collection.

6 digits, valid 5 minutes, burnt after 5 wrong tries. Budgets: one send per phone per 60 s, at
most 10 a day per phone and 5 an hour per resident (one token cannot spray codes at many
phones). Each budget is one atomic INCR on a window counter, taken before the code is made, so
however many requests arrive at once no more than the budget get through; a send refused
further on, or not sent, hands the resident's place back. Only an HMAC of the code is kept, in
Redis, keyed by the phone's blind index.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import datetime

from api.context import AppContext
from api.crypto import hmac_sm3_hex
from api.errors import DomainError, too_many
from api.kv import key

OTP_TTL = 300
RESEND_AFTER = 60
DAILY_LIMIT = 10
SENDER_LIMIT = 5
SENDER_WINDOW = 3600
MAX_TRIES = 5


REALNAME = "realname"  # the purpose of collection codes; step-up codes are "step-up"


def _phone_tag(ctx: AppContext, phone: str, purpose: str = REALNAME) -> str:
    # A code is good for its purpose only (a step-up code cannot collect a card); the resend
    # throttle is per purpose too, the daily limit per phone.
    tag = "phone:" + ctx.keys.ring.blind_index(phone, context="otp.phone")[:32]
    return tag if purpose == REALNAME else f"{tag}:{purpose}"


def _digest(ctx: AppContext, phone: str, code: str) -> str:
    return hmac_sm3_hex(ctx.keys.ring.index_key, f"otp\x00{phone}\x00{code}".encode())


def _text(code: str) -> str:
    return f"【电子健康卡】您的验证码是{code}，5分钟内有效。请勿将验证码告诉他人。"


def _sender_key(sender: str) -> str:
    return key("otp-user", "user:" + sender)


async def send(
    ctx: AppContext, phone: str, today: datetime, purpose: str = REALNAME, *, sender: str
) -> int:
    """Send a fresh code to ``phone`` for the resident ``sender``; returns its lifetime (s)."""
    budget = _sender_key(sender)
    if await ctx.kv.hit(budget, SENDER_WINDOW) > SENDER_LIMIT:
        raise too_many(await ctx.kv.ttl(budget), f"at most {SENDER_LIMIT} codes an hour")
    try:
        await _send(ctx, phone, today, purpose)
    except Exception:
        await ctx.kv.unhit(budget)  # refused or not sent: it does not use the allowance
        raise
    return OTP_TTL


async def _send(ctx: AppContext, phone: str, today: datetime, purpose: str) -> None:
    tag = _phone_tag(ctx, phone, purpose)
    throttle = key("otp-send", tag)
    if not await ctx.kv.claim(throttle, RESEND_AFTER):
        raise too_many(await ctx.kv.ttl(throttle), "one code per phone per 60 seconds")
    day_key = key("otp-day", _phone_tag(ctx, phone), today.strftime("%Y%m%d"))
    if await ctx.kv.hit(day_key, 86400) > DAILY_LIMIT:
        seconds_left = 86400 - (today.hour * 3600 + today.minute * 60 + today.second)
        raise too_many(seconds_left, f"at most {DAILY_LIMIT} codes per phone per day")
    code = f"{secrets.randbelow(1_000_000):06d}"
    record = json.dumps({"h": _digest(ctx, phone, code)})
    await ctx.kv.set(key("otp", tag), record, OTP_TTL)
    await ctx.kv.delete(key("otp-tries", tag))
    try:
        await ctx.adapters.sms.send(phone, _text(code))
    except Exception:
        # Not sent: let the resident ask again at once instead of waiting a minute.
        await ctx.kv.delete(throttle, key("otp", tag))
        raise


async def check(ctx: AppContext, phone: str, code: str, purpose: str = REALNAME) -> None:
    """Refuse with ``OTP_INVALID`` unless ``code`` is the live code of ``phone``.

    The code stays usable after a success (it is burnt by :func:`burn` once the whole
    collection succeeds), so that a refusal further on does not cost the resident a new SMS.
    """
    tag = _phone_tag(ctx, phone, purpose)
    raw = await ctx.kv.get(key("otp", tag))
    if raw is None:
        raise DomainError("OTP_INVALID", "no live code for this phone; request a new one")
    if await ctx.kv.hit(key("otp-tries", tag), OTP_TTL) > MAX_TRIES:
        await ctx.kv.delete(key("otp", tag))
        raise DomainError("OTP_INVALID", "too many wrong codes; request a new one")
    if not hmac.compare_digest(json.loads(raw)["h"], _digest(ctx, phone, code)):
        raise DomainError("OTP_INVALID", "wrong code")
    await ctx.kv.delete(key("otp-tries", tag))


async def burn(ctx: AppContext, phone: str, purpose: str = REALNAME) -> None:
    """Spend the code: exactly one collection goes through with it."""
    if await ctx.kv.take(key("otp", _phone_tag(ctx, phone, purpose))) is None:
        raise DomainError("OTP_INVALID", "this code was just used; request a new one")
