"""A partner's client, written from API.md alone (it uses no code of ours)."""

from __future__ import annotations

import hmac
import secrets
import time

import httpx


def sign(secret: str, client_id: str, timestamp: str, nonce: str) -> str:
    """hex(HMAC-SM3(secret, client_id + "\\n" + timestamp + "\\n" + nonce)), as API.md says."""
    message = f"{client_id}\n{timestamp}\n{nonce}".encode()
    return hmac.new(secret.encode(), message, "sm3").hexdigest()


def token_request(
    client_id: str, secret: str, *, timestamp: int | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The body of ``POST /api/v1/auth/token``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(8)
    return {
        "client_id": client_id,
        "timestamp": ts,
        "nonce": nonce,
        "signature": sign(secret, client_id, ts, nonce),
    }


async def access_token(api: httpx.AsyncClient, client_id: str, secret: str) -> str:
    """A fresh access token for a client."""
    resp = await api.post("/api/v1/auth/token", json=token_request(client_id, secret))
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


async def register_wechat_app(
    api: httpx.AsyncClient, admin_headers: dict[str, str], prefix: str, name: str
) -> dict[str, str]:
    """A WeChat mini-program registered with the stand-in and with us, as a card centre
    registers a real one; its ``app_id`` and ``app_secret``."""
    app = {"app_id": prefix + secrets.token_hex(6), "app_secret": secrets.token_hex(16)}
    await api.post("/mock/wechat/apps", json={"appid": app["app_id"], "secret": app["app_secret"]})
    made = await api.post(
        "/api/v1/admin/channel-apps",
        json={"kind": "wechat", "name": name, **app},
        headers=admin_headers,
    )
    assert made.status_code == 201, made.text
    return app
