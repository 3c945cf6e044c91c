"""Bench set-up through the public API: an admin session and a WeChat app on the stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pyotp

from bench.cards import _admin
from bench.harness import api_server, bench_database, free_port
from tests.support.partner import register_wechat_app


async def admin_headers(api: httpx.AsyncClient, env: dict[str, str]) -> dict[str, str]:
    """A signed-in admin's headers (the admin is created with ``ehc admin create``)."""
    user, password, totp = _admin(env)
    session = await api.post(
        "/api/v1/admin/sessions",
        json={"username": user, "password": password, "totp": pyotp.TOTP(totp).now()},
    )
    return {"Authorization": f"Bearer {session.json()['token']}"}


async def wechat_app(api: httpx.AsyncClient, admin: dict[str, str]) -> str:
    """A WeChat mini-program registered with the stand-in and with us; returns its app id."""
    return (await register_wechat_app(api, admin, "wxbench", "bench"))["app_id"]


def mock_env(env: dict[str, str], base: str) -> dict[str, str]:
    """``env`` with the outside platforms pointed at the bench server's own /mock."""
    return {
        **env,
        "EHC_SMS_BASE_URL": f"{base}/mock/sms",
        "EHC_SMS_API_KEY": "bench",
        "EHC_IDCHECK_BASE_URL": f"{base}/mock/idcheck",
        "EHC_WECHAT_API_BASE": f"{base}/mock/wechat/",
        "EHC_BENCH_WITH_MOCK": "1",
    }


@contextmanager
def server_with_mock() -> Iterator[tuple[str, dict[str, str]]]:
    """A private database, and the API (one worker) with its /mock: (base URL, EHC_* env)."""
    with bench_database() as env:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = mock_env(env, base)
        with api_server(env, port=port):
            yield base, env
