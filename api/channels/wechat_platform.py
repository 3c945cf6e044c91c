"""WeChat mini-program adapter on wechatpy: code2session and subscribe messages.

wechatpy is synchronous (requests): every call runs in a worker thread. Its token fetch is
hard-coded to api.weixin.qq.com and sends no timeout, so :class:`_Client` replaces it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from api.errors import DomainError
from api.threads import in_thread

LOGIN_REFUSED = {40029, 40163, 40226, 45011}  # invalid / used code, risky user, too frequent
SUBSCRIPTION_REFUSED = 43101


class SubscriptionQuotaExhausted(Exception):
    """The user has no one-time grant left for this template (WeChat errcode 43101)."""


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None
    session_key: str


class _Client(WeChatClient):
    """A WeChatClient whose every URL, token fetch included, starts at ``api_base``."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout)
        self.API_BASE_URL = api_base + "cgi-bin/"
        self.wxa.API_BASE_URL = api_base
        self._token_url = api_base + "cgi-bin/token"

    def fetch_access_token(self) -> dict[str, Any]:
        res = self._http.get(
            self._token_url,
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        res.raise_for_status()
        result = res.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result


def _upstream(exc: Exception) -> DomainError:
    if isinstance(exc, WeChatClientException) and exc.errcode is not None:
        return DomainError("UPSTREAM_ERROR", f"WeChat refused the call (errcode {exc.errcode})")
    return DomainError("UPSTREAM_UNAVAILABLE", "WeChat is not answering")


class WeChatMiniProgram:
    """One WeChat mini-program app (appid + secret)."""

    def __init__(self, *, api_base: str, appid: str, secret: str, timeout: float = 5.0) -> None:
        self.appid = appid
        self._client = _Client(appid, secret, api_base.rstrip("/") + "/", timeout)

    async def code_to_session(self, code: str) -> WeChatSession:
        """Exchange a ``wx.login`` code; ``CHANNEL_AUTH_FAILED`` for a bad or used code."""
        try:
            result = await in_thread(self._client.wxa.code_to_session, code)
        except WeChatClientException as exc:
            if exc.errcode in LOGIN_REFUSED:
                raise DomainError("CHANNEL_AUTH_FAILED", "login code invalid or used") from exc
            raise _upstream(exc) from exc
        except requests.RequestException as exc:
            raise _upstream(exc) from exc
        return WeChatSession(result["openid"], result.get("unionid"), result["session_key"])

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> None:
        """Push a one-time subscribe message; :class:`SubscriptionQuotaExhausted` without a
        grant."""
        try:
            await in_thread(
                self._client.wxa.send_subscribe_message, openid, template_id, data, page
            )
        except WeChatClientException as exc:
            if exc.errcode == SUBSCRIPTION_REFUSED:
                raise SubscriptionQuotaExhausted(template_id) from exc
            raise _upstream(exc) from exc
        except requests.RequestException as exc:
            raise _upstream(exc) from exc
