"""The card centre as counter-pos reaches it: a terminal client with a cached access token.

Tokens come from ``POST /api/v1/auth/token`` signed with HMAC-SM3 (API.md); one is kept
until shortly before it expires and renewed once for all waiting requests. A 401 on a call
(token revoked or the centre restarted without Redis) renews once and retries.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from typing import Any

import httpx

RENEW_MARGIN = 60  # seconds before expiry
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class CoreError(Exception):
    """The card centre refused a call: ``code`` and ``status`` are its answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class CoreUnavailable(CoreError):
    """The card centre could not be reached."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "CORE_UNAVAILABLE", message)


def token_signature(secret: str, client_id: str, timestamp: str, nonce: str) -> str:
    """hex(HMAC-SM3(secret, client_id \\n timestamp \\n nonce)), as API.md specifies."""
    message = f"{client_id}\n{timestamp}\n{nonce}".encode()
    return hmac.new(secret.encode(), message, "sm3").hexdigest()


class CoreClient:
    """Calls to the card centre on behalf of one terminal."""

    def __init__(
        self,
        base_url: str,
        terminal_id: str,
        terminal_secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.terminal_id = terminal_id
        self._secret = terminal_secret
        self._http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, transport=transport)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.tokens_issued = 0

    async def close(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def token(self) -> str:
        """A valid access token, renewed ``RENEW_MARGIN`` seconds before it expires."""
        if self._token and time.monotonic() < self._expires_at - RENEW_MARGIN:
            return self._token
        async with self._lock:  # one renewal for every request waiting on it
            if self._token and time.monotonic() < self._expires_at - RENEW_MARGIN:
                return self._token
            timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
            body = {
                "client_id": self.terminal_id,
                "timestamp": timestamp,
                "nonce": nonce,
                "signature": token_signature(self._secret, self.terminal_id, timestamp, nonce),
            }
            answer = await self._send("POST", "/api/v1/auth/token", body, None)
            self._token = str(answer["access_token"])
            self._expires_at = time.monotonic() + float(answer["expires_in"])
            self.tokens_issued += 1
            return self._token

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """An authenticated call; returns the JSON answer or raises ``CoreError``."""
        try:
            return await self._send(method, path, body, await self.token())
        except CoreError as exc:
            if exc.status != 401 or exc.code in ("CLIENT_REVOKED", "BAD_SIGNATURE"):
                raise
            self._token = None  # revoked or forgotten token: renew once
            return await self._send(method, path, body, await self.token())

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, token: str | None
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            resp = await self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CoreUnavailable(f"the card centre is unreachable ({type(exc).__name__})") from exc
        if resp.status_code >= 400:
            try:
                error = resp.json()["error"]
                raise CoreError(resp.status_code, error["code"], error["message"])
            except (ValueError, KeyError, TypeError):
                raise CoreUnavailable(f"the card centre answered {resp.status_code}") from None
        return resp.json()
