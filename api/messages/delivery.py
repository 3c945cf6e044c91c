"""Delivering one outbox message through the channel its resident came from.

WeChat: a subscribe message, only while the user has a grant for its template (one grant,
one send). Alipay: a mini-program template message. In-house apps: a webhook to the partner,
signed with the HMAC-SM3 scheme of API.md under the partner's own secret, with the message id
for de-duplication. When no channel carries an urgent event, an SMS goes to the card holder's
phone. The inbox always has the message.

A platform that cannot be reached raises ``Transient`` (the worker retries later); a refusal is
recorded and the message stays in the inbox only.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from alipay.exceptions import AliPayException

from api.auth import service as clients
from api.auth.models import Client
from api.auth.signatures import signing_string
from api.cards.identity import open_identity
from api.cards.models import Card
from api.channels.alipay_platform import sub_code_of
from api.channels.models import ChannelApp, ChannelIdentity
from api.channels.wechat_platform import SubscriptionQuotaExhausted
from api.context import AppContext
from api.crypto.sm import hmac_sm3_hex, sm3_hex
from api.errors import DomainError
from api.messages import subscriptions
from api.messages.templates import Template, render, template_for
from api.outbox.models import OutboxMessage


class Transient(Exception):
    """The channel could not be reached now: try again later."""


def page_of(message: OutboxMessage) -> str:
    """The mini-program page a notice opens (it names the message)."""
    return f"pages/messages/index?id={message.id}"


async def _route(user_id: str) -> tuple[ChannelApp | None, str | None]:
    identity = await ChannelIdentity.filter(user_id=user_id).first()
    if identity is None:
        return None, None
    return await ChannelApp.get_or_none(app_id=identity.app_id), identity.platform_user


def _wechat_data(title: str, text: str, payload: dict[str, Any]) -> dict[str, Any]:
    # Subscribe-message fields are short typed slots (thing ≤ 20 characters, time…).
    return {
        "thing1": {"value": title[:20]},
        "thing2": {"value": text[:20]},
        "time3": {"value": str(payload.get("start", ""))[:16].replace("T", " ")},
    }


async def _wechat(ctx: AppContext, app: ChannelApp, openid: str, message: OutboxMessage,
                  template_id: str, title: str, text: str) -> str:  # fmt: skip
    if not await subscriptions.take(message.user_id, message.event):
        return "no_quota"
    try:
        await ctx.adapters.channels.for_app(app).send_subscribe_message(
            openid, template_id, _wechat_data(title, text, message.payload), page_of(message)
        )
    except SubscriptionQuotaExhausted:
        return "no_quota"  # WeChat's count and ours disagreed: WeChat's wins
    except DomainError as exc:
        await subscriptions.give_back(message.user_id, message.event)
        raise Transient(exc.code) from exc
    return "sent"


async def _alipay(ctx: AppContext, app: ChannelApp, user_id: str, message: OutboxMessage,
                  template_id: str, title: str, text: str) -> str:  # fmt: skip
    biz = {
        "to_user_id": user_id,
        "user_template_id": template_id,
        "page": page_of(message),
        "data": json.dumps(
            {"keyword1": {"value": title}, "keyword2": {"value": text}}, ensure_ascii=False
        ),
    }  # fmt: skip
    try:
        answer = await ctx.adapters.channels.for_app(app).gateway.call(
            "alipay.open.app.mini.templatemessage.send", biz_content=biz
        )
    except AliPayException as exc:
        return f"refused: {sub_code_of(exc) or 'unknown'}"
    except DomainError as exc:
        raise Transient(exc.code) from exc
    return "sent" if answer.get("code") == "10000" else f"refused: {answer.get('sub_code')}"


def webhook_headers(client_id: str, secret: str, body: bytes) -> dict[str, str]:
    """The signature partners check: HMAC-SM3 over id, time, nonce and the body's SM3."""
    stamp, nonce = str(int(time.time())), secrets.token_hex(8)
    # The partner's own request-signing string, with the body's SM3 as one more line.
    text = signing_string(client_id, stamp, nonce) + b"\n" + sm3_hex(body).encode()
    return {
        "Content-Type": "application/json",
        "X-EHC-Client": client_id,
        "X-EHC-Timestamp": stamp,
        "X-EHC-Nonce": nonce,
        "X-EHC-Signature": hmac_sm3_hex(secret.encode(), text),
    }


async def _inhouse(ctx: AppContext, app: ChannelApp, user_ref: str, message: OutboxMessage,
                   title: str, text: str) -> str:  # fmt: skip
    if not app.webhook_url:
        return "no_webhook"
    fields = {"user_ref": user_ref, "title": title, "text": text}
    return await post_signed(ctx, app.webhook_url, app.app_id, message, fields)


async def post_signed(
    ctx: AppContext, url: str, client_id: str, message: OutboxMessage, fields: dict[str, Any]
) -> str:
    """Post ``message`` (with ``fields``) to ``url``, signed with ``client_id``'s secret;
    returns what happened. An unreachable or failing (5xx) receiver raises ``Transient``."""
    client = await Client.get_or_none(client_id=client_id)
    secret = clients.client_secret(ctx, client) if client else None
    if not secret:
        return "no_secret"
    body = json.dumps(
        {"message_id": message.id, "event": message.event, **fields, "payload": message.payload},
        ensure_ascii=False,
    ).encode()
    headers = {**webhook_headers(client_id, secret, body), "X-EHC-Message-Id": str(message.id)}
    try:
        resp = await ctx.http.post(url, content=body, headers=headers)
    except Exception as exc:  # network failure of any kind: retry later
        raise Transient("UPSTREAM_UNAVAILABLE") from exc
    if resp.status_code >= 500:
        raise Transient(f"HTTP {resp.status_code}")
    return "sent" if resp.status_code < 300 else f"refused: HTTP {resp.status_code}"


async def _sms(ctx: AppContext, message: OutboxMessage, text: str) -> str:
    card = await Card.get_or_none(card_id=message.card_id).prefetch_related("person")
    phone = open_identity(ctx, card.person).phone if card else None
    if not phone:
        return "no_phone"
    try:
        await ctx.adapters.sms.send(phone, f"【电子健康卡】{text}")
    except DomainError as exc:
        raise Transient(exc.code) from exc
    return "sent"


async def deliver(ctx: AppContext, message: OutboxMessage) -> dict[str, str]:
    """Send ``message`` where it can go; returns what each channel said."""
    app, platform_user = await _route(message.user_id)
    channel = app.kind if app is not None else None
    outcome: dict[str, str] = {}
    template: Template | None = None
    if app is not None and platform_user:
        template, template_id = await template_for(message.event, app.kind)
        title, text = render(template, message.payload)
        if app.kind == "wechat":
            outcome["wechat"] = await _wechat(
                ctx, app, platform_user, message, template_id, title, text
            )
        elif app.kind == "alipay":
            outcome["alipay"] = await _alipay(
                ctx, app, platform_user, message, template_id, title, text
            )
        else:
            outcome["inhouse"] = await _inhouse(ctx, app, platform_user, message, title, text)
    if channel is None or outcome.get(channel) != "sent":
        sms_template, _ = await template_for(message.event, "sms")
        if sms_template.urgent and message.card_id:
            outcome["sms"] = await _sms(ctx, message, render(sms_template, message.payload)[1])
    return outcome
