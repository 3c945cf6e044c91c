"""The SMS gateway stand-in and the phone's inbox."""

from __future__ import annotations

import re
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.clock import beijing_now
from miniapp_mock.faults import http_500, state, take

_PHONE = re.compile(r"^1\d{10}$")


async def send(request: Request) -> Response:
    """``POST /sms/send`` ``{"phone","text"}`` with ``Authorization: Bearer <api key>``."""
    fault = await take(request, "sms.send")
    if fault and fault["mode"] in ("http_500", "error"):
        return http_500()
    expected = request.app.state.config.sms_api_key
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer ") or (expected and auth.removeprefix("Bearer ") != expected):
        return JSONResponse({"status": "error", "code": "UNAUTHORIZED"}, 401)
    body = await request.json()
    if not _PHONE.match(str(body.get("phone", ""))) or not body.get("text"):
        return JSONResponse({"status": "error", "code": "INVALID_PHONE"}, 400)
    message = {
        "phone": body["phone"],
        "text": str(body["text"]),
        "sent_at": beijing_now().isoformat(timespec="seconds"),
    }
    state(request).sms.append(message)
    return JSONResponse({"status": "ok", "message_id": secrets.token_hex(8)})


async def inbox(request: Request) -> Response:
    """``GET /sms/inbox?phone=``: the phone's messages, newest first."""
    phone = request.query_params.get("phone")
    messages = [
        {"text": m["text"], "sent_at": m["sent_at"]}
        for m in reversed(state(request).sms)
        if m["phone"] == phone
    ]
    return JSONResponse({"messages": messages})


routes = [
    Route("/sms/send", send, methods=["POST"]),
    Route("/sms/inbox", inbox, methods=["GET"]),
]
