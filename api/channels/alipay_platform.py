"""Alipay mini-program adapter on python-alipay-sdk: oauth token (and the gateway helper the
payment adapter reuses).

The SDK is synchronous (urllib): calls run in a worker thread. It stamps requests with the
process's local time; Alipay expects Beijing time, so every call passes ``timestamp``.
"""

from __future__ import annotations

import json
import urllib.error
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from alipay import AliPay, AliPayConfig
from alipay.exceptions import AliPayException, AliPayValidationError

from api.errors import DomainError
from api.threads import in_thread

BEIJING = timezone(timedelta(hours=8))
LOGIN_REFUSED = {"isv.code-invalid", "isv.code-expired", "invalid-auth-code"}


@dataclass(frozen=True)
class AlipayUser:
    user_id: str
    open_id: str | None


def sub_code_of(exc: AliPayException) -> str:
    # The SDK keeps the raw answer in a private attribute; its sub_code tells refusals apart.
    try:
        body = json.loads(str(getattr(exc, "_AliPayException__message", "")))
    except (TypeError, ValueError):
        return ""
    inner = body.get("error_response") or next(iter(body.values()), {})
    return str(inner.get("sub_code", "")) if isinstance(inner, dict) else ""


class AlipayGateway:
    """Signed calls to the Alipay open-platform gateway for one app."""

    def __init__(
        self,
        *,
        gateway_url: str,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        timeout: float = 5.0,
    ) -> None:
        self.app_id = app_id
        self.sdk = AliPay(
            appid=app_id,
            app_private_key_string=app_private_key,
            alipay_public_key_string=alipay_public_key,
            sign_type="RSA2",
            config=AliPayConfig(timeout=timeout),
        )
        self.sdk._gateway = gateway_url  # the SDK has no public setting for it

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Run a gateway method; the answer's signature is verified by the SDK.

        Raises ``UPSTREAM_UNAVAILABLE`` for network failures and 5xx, ``UPSTREAM_ERROR`` for a
        badly signed answer, and lets :class:`AliPayException` (a refusal) through.
        """
        stamp = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        try:
            return await in_thread(self.sdk.server_api, method, timestamp=stamp, **params)
        except AliPayValidationError as exc:
            raise DomainError("UPSTREAM_ERROR", "Alipay's answer failed verification") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise DomainError("UPSTREAM_UNAVAILABLE", "Alipay is not answering") from exc
        except ValueError as exc:  # not JSON: an error page
            raise DomainError("UPSTREAM_UNAVAILABLE", "Alipay answered with no JSON") from exc


class AlipayMiniProgram:
    """One Alipay mini-program app."""

    def __init__(
        self,
        *,
        gateway_url: str,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        timeout: float = 5.0,
    ) -> None:
        self.gateway = AlipayGateway(
            gateway_url=gateway_url,
            app_id=app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            timeout=timeout,
        )

    async def auth_code_to_user(self, auth_code: str) -> AlipayUser:
        """Exchange a ``my.getAuthCode`` code; ``CHANNEL_AUTH_FAILED`` for a bad or used one."""
        try:
            result = await self.gateway.call(
                "alipay.system.oauth.token", grant_type="authorization_code", code=auth_code
            )
        except AliPayException as exc:
            if sub_code_of(exc) in LOGIN_REFUSED:
                raise DomainError("CHANNEL_AUTH_FAILED", "auth code invalid or used") from exc
            raise DomainError("UPSTREAM_ERROR", "Alipay refused the call") from exc
        return AlipayUser(user_id=result["user_id"], open_id=result.get("open_id"))
