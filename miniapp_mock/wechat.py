"""The WeChat stand-in: mini-program login (code2session), access tokens, subscribe messages.

Wire format as WeChat's: JSON with ``errcode``/``errmsg`` on failure, HTTP 200 regardless.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.clock import beijing_now
from miniapp_mock.faults import http_500, state, take
from miniapp_mock.state import OneTimeCode

CODE_TTL = 300


def _error(errcode: int, errmsg: str) -> Response:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


def _stable(prefix: str, user: str, length: int) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(f"{prefix}:{user}".encode()).digest())
    return prefix[0] + digest.decode()[:length]


def openid_of(user: str) -> str:
    """The openid WeChat gives this simulated user (stable)."""
    return _stable("openid", user, 27)


async def _fault(request: Request, target: str) -> Response | None:
    fault = await take(request, f"wechat.{target}")
    if fault is None or fault["mode"] == "timeout":
        return None
    if fault["mode"] == "http_500":
        return http_500()
    return _error(int(fault.get("errcode") or -1), "system error")


async def register_app(request: Request) -> Response:
    """``POST /wechat/apps`` ``{"appid","secret"}`` (what the WeChat console does)."""
    body = await request.json()
    state(request).wechat_apps[body["appid"]] = body["secret"]
    return JSONResponse({"appid": body["appid"]}, 201)


async def login_code(request: Request) -> Response:
    """``POST /wechat/users/{user}/code``: what ``wx.login`` hands the mini-program."""
    user = request.path_params["user"]
    body = await request.json() if await request.body() else {}
    code = secrets.token_urlsafe(24)
    state(request).wechat_codes[code] = OneTimeCode(
        user=user, app_id=body.get("appid"), expires_at=time.time() + CODE_TTL
    )
    return JSONResponse({"code": code, "openid": openid_of(user)})


def _check_secret(request: Request, appid: str, secret: str) -> Response | None:
    apps = state(request).wechat_apps
    if appid not in apps:
        return _error(40013, "invalid appid")
    if apps[appid] != secret:
        return _error(40125, "invalid appsecret")
    return None


async def token(request: Request) -> Response:
    """``GET /wechat/cgi-bin/token``: an access token for an app."""
    if failed := await _fault(request, "token"):
        return failed
    q = request.query_params
    if refused := _check_secret(request, q.get("appid", ""), q.get("secret", "")):
        return refused
    access_token = secrets.token_urlsafe(32)
    state(request).wechat_tokens[access_token] = q["appid"]
    return JSONResponse({"access_token": access_token, "expires_in": 7200})


async def jscode2session(request: Request) -> Response:
    """``GET /wechat/sns/jscode2session``: exchange a login code for the user's openid."""
    if failed := await _fault(request, "jscode2session"):
        return failed
    q = request.query_params
    if refused := _check_secret(request, q.get("appid", ""), q.get("secret", "")):
        return refused
    code = state(request).wechat_codes.get(q.get("js_code", ""))
    if code is None or (code.app_id and code.app_id != q["appid"]):
        return _error(40029, "invalid code")
    if code.used:
        return _error(40163, "code been used")
    if not code.live():
        return _error(40029, "invalid code")
    code.used = True
    return JSONResponse(
        {
            "openid": openid_of(code.user),
            "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
            "unionid": _stable("unionid", code.user, 27),
        }
    )


async def grant_subscription(request: Request) -> Response:
    """``POST /wechat/subscriptions`` ``{"openid","template_ids"}``: the user accepted these
    one-time templates in the mini-program (wx.requestSubscribeMessage); one grant each."""
    body = await request.json()
    grants = state(request).wechat_grants
    for template_id in body.get("template_ids", []):
        slot = (body["openid"], template_id)
        grants[slot] = grants.get(slot, 0) + 1
    return JSONResponse({"errcode": 0, "errmsg": "ok"})


async def subscribe_send(request: Request) -> Response:
    """``POST /wechat/cgi-bin/message/subscribe/send``: spends one grant per message."""
    if failed := await _fault(request, "subscribe_send"):
        return failed
    mock = state(request)
    if request.query_params.get("access_token") not in mock.wechat_tokens:
        return _error(40001, "invalid credential, access_token is invalid or not latest")
    body = await request.json()
    slot = (body.get("touser", ""), body.get("template_id", ""))
    if mock.wechat_grants.get(slot, 0) <= 0:
        return _error(43101, "user refuse to accept the msg")
    mock.wechat_grants[slot] -= 1
    msgid = len(mock.wechat_messages) + 1
    mock.wechat_messages.append(
        {
            "openid": slot[0],
            "template_id": slot[1],
            "data": body.get("data", {}),
            "page": body.get("page"),
            "sent_at": beijing_now().isoformat(timespec="seconds"),
            "msgid": msgid,
        }
    )
    return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": msgid})


async def delivered(request: Request) -> Response:
    """``GET /wechat/messages?openid=``: what this user received (every user's without it)."""
    openid = request.query_params.get("openid")
    if openid is None:
        return JSONResponse({"messages": state(request).wechat_messages})
    messages = [
        {k: v for k, v in m.items() if k != "openid"}
        for m in state(request).wechat_messages
        if m["openid"] == openid
    ]
    return JSONResponse({"messages": messages})


routes = [
    Route("/wechat/apps", register_app, methods=["POST"]),
    Route("/wechat/users/{user}/code", login_code, methods=["POST"]),
    Route("/wechat/cgi-bin/token", token, methods=["GET"]),
    Route("/wechat/sns/jscode2session", jscode2session, methods=["GET"]),
    Route("/wechat/subscriptions", grant_subscription, methods=["POST"]),
    Route("/wechat/cgi-bin/message/subscribe/send", subscribe_send, methods=["POST"]),
    Route("/wechat/messages", delivered, methods=["GET"]),
]
