"""A partner's in-house app server receiving our signed message webhooks: it checks the
HMAC-SM3 signature with the partner secret like a partner would, and de-duplicates by message
id. ``POST /partner/apps`` ``{"app_id", "secret"}``; ``POST /partner/webhook``;
``GET /partner/messages``."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.faults import http_500, state, take


async def register(request: Request) -> Response:
    body = await request.json()
    state(request).partner_secrets[body["app_id"]] = body["secret"]
    return JSONResponse({"app_id": body["app_id"]}, 201)


async def webhook(request: Request) -> Response:
    """A message push: 401 for a bad signature, 200 (once per message id) otherwise."""
    fault = await take(request, "partner.webhook")
    if fault and fault["mode"] in ("http_500", "error"):
        return http_500()
    raw = await request.body()
    h = request.headers
    secret = state(request).partner_secrets.get(h.get("x-ehc-client", ""))
    if secret is None or abs(time.time() - int(h.get("x-ehc-timestamp", "0"))) > 300:
        return JSONResponse({"error": "unknown app or stale"}, 401)
    text = f"{h['x-ehc-client']}\n{h['x-ehc-timestamp']}\n{h.get('x-ehc-nonce', '')}\n"
    text += hashlib.new("sm3", raw).hexdigest()
    expected = hmac.new(secret.encode(), text.encode(), "sm3").hexdigest()
    if not hmac.compare_digest(expected, h.get("x-ehc-signature", "")):
        return JSONResponse({"error": "bad signature"}, 401)
    received = state(request).partner_messages
    message = json.loads(raw)
    if all(m["message_id"] != message["message_id"] for m in received):
        received.append(message)
    return JSONResponse({"ok": True})


async def delivered(request: Request) -> Response:
    user = request.query_params.get("user_ref")
    got = [m for m in state(request).partner_messages if user is None or m["user_ref"] == user]
    return JSONResponse({"messages": got})


routes = [
    Route("/partner/apps", register, methods=["POST"]),
    Route("/partner/webhook", webhook, methods=["POST"]),
    Route("/partner/messages", delivered),
]
