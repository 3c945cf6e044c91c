"""The Alipay stand-in: the open-platform gateway (RSA2 requests and signed responses).

Requests are verified like Alipay does: SHA256withRSA over the sorted ``k=v&…`` of every
parameter but ``sign``, with the app's registered public key. Responses are signed over the
exact inner JSON text with the platform's own key, which the SDK verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.faults import http_500, state, take
from miniapp_mock.state import MockState, OneTimeCode

CODE_TTL = 300
_MESSAGES = {
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
    "20000": "Service Currently Unavailable",
}
Method = Callable[[Request, dict[str, str], dict[str, Any]], Awaitable[tuple[str, dict]]]


class PlatformKey:
    """The gateway's RSA key pair (made when the mock starts)."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, text: str) -> str:
        """Base64 SHA256withRSA signature."""
        raw = self.private.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode()


def user_id_of(user: str) -> str:
    """The Alipay user id ("2088" + 12 digits) of a simulated user (stable)."""
    digits = int.from_bytes(hashlib.sha256(f"alipay:{user}".encode()).digest()[:8], "big")
    return "2088" + str(digits % 10**12).zfill(12)


def _signed(request: Request, key: str, inner: dict[str, Any]) -> Response:
    text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
    signature = request.app.state.alipay_key.sign(text)
    body = '{"' + key + '":' + text + ',"sign":"' + signature + '"}'
    return Response(body, media_type="application/json;charset=utf-8")


def _error(request: Request, sub_code: str, sub_msg: str, code: str = "40002") -> Response:
    msg = {
        "40002": "Invalid Arguments",
        "40004": "Business Failed",
        "20000": "Service Currently Unavailable",
    }
    inner = {"code": code, "msg": msg.get(code, "Error"), "sub_code": sub_code, "sub_msg": sub_msg}
    return _signed(request, "error_response", inner)


def _verify(app_public_pem: str, params: dict[str, str]) -> bool:
    signature = params.get("sign", "")
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
    try:
        key = serialization.load_pem_public_key(app_public_pem.encode())
        key.verify(  # type: ignore[union-attr]
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


async def register_app(request: Request) -> Response:
    """``POST /alipay/apps`` ``{"app_id","app_public_key"}`` → ``{"alipay_public_key"}``."""
    body = await request.json()
    state(request).alipay_apps[body["app_id"]] = body["app_public_key"]
    return JSONResponse({"alipay_public_key": request.app.state.alipay_key.public_pem}, 201)


async def auth_code(request: Request) -> Response:
    """``POST /alipay/users/{user}/auth_code``: what ``my.getAuthCode`` hands the app."""
    user = request.path_params["user"]
    code = secrets.token_hex(16)
    state(request).alipay_codes[code] = OneTimeCode(
        user=user, app_id=None, expires_at=time.time() + CODE_TTL
    )
    return JSONResponse({"auth_code": code, "user_id": user_id_of(user)})


async def oauth_token(
    request: Request, params: dict[str, str], biz: dict[str, Any]
) -> tuple[str, dict]:
    """``alipay.system.oauth.token``: an auth code for the user's id."""
    mock: MockState = state(request)
    code = mock.alipay_codes.get(params.get("code", ""))
    if params.get("grant_type") != "authorization_code" or code is None or not code.live():
        return "error", {"sub_code": "isv.code-invalid", "sub_msg": "授权码code无效"}
    code.used = True
    return "ok", {
        "user_id": user_id_of(code.user),
        "open_id": "0" + hashlib.sha256(code.user.encode()).hexdigest()[:31],
        "access_token": "authusrB" + secrets.token_hex(16),
        "expires_in": 1296000,
        "refresh_token": "authusrB" + secrets.token_hex(16),
        "re_expires_in": 2592000,
    }


async def gateway(request: Request) -> Response:
    """``/alipay/gateway.do``: check the app and its signature, then run the method."""
    fault = await take(request, "alipay.gateway")
    if fault and fault["mode"] == "http_500":
        return http_500()
    params = dict(request.query_params)
    if request.method == "POST":
        params.update({k: str(v) for k, v in (await request.form()).items()})
    if fault and fault["mode"] == "error":
        return _error(request, "aop.unknow-error", "系统繁忙", code="20000")
    app_key = state(request).alipay_apps.get(params.get("app_id", ""))
    if app_key is None:
        return _error(request, "isv.invalid-app-id", "无效的AppID参数")
    if not _verify(app_key, params):
        return _error(request, "isv.invalid-signature", "验签出错")
    method_name = params.get("method", "")
    method = request.app.state.alipay_methods.get(method_name)
    if method is None:
        return _error(request, "isv.invalid-method", "不存在的方法名")
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        return _error(request, "isv.invalid-biz-content", "业务参数格式错误")
    outcome, body = await method(request, params, biz)
    if outcome == "error":
        return _error(request, body["sub_code"], body["sub_msg"], body.get("code", "40002"))
    response_key = method_name.replace(".", "_") + "_response"
    if outcome == "ok":
        body = {"code": "10000", "msg": "Success", **body}
    return _signed(request, response_key, body)


METHODS: dict[str, Method] = {"alipay.system.oauth.token": oauth_token}

routes = [
    Route("/alipay/apps", register_app, methods=["POST"]),
    Route("/alipay/users/{user}/auth_code", auth_code, methods=["POST"]),
    Route("/alipay/gateway.do", gateway, methods=["GET", "POST"]),
]
