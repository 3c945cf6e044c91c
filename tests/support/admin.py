"""Creating admins through ``ehc admin create`` and signing them in, as staff would."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import httpx
import pyotp


@dataclass
class AdminAccount:
    username: str
    password: str
    totp_secret: str

    def code(self, at: float | None = None) -> str:
        """The authenticator's code now (or at ``at``)."""
        return pyotp.TOTP(self.totp_secret).at(time.time() if at is None else at)


def create_admin(live: object, username: str | None = None) -> AdminAccount:
    """Run ``ehc admin create`` and read what it printed."""
    username = username or f"admin-{secrets.token_hex(4)}"
    out = live.ehc("admin", "create", username).stdout  # type: ignore[attr-defined]
    password = re.search(r"^password:\s+(\S+)$", out, re.M)
    uri = re.search(r"^totp:\s+(otpauth://\S+)$", out, re.M)
    assert password and uri, out
    secret = parse_qs(urlparse(uri.group(1)).query)["secret"][0]
    return AdminAccount(username, password.group(1), secret)


async def sign_in(api: httpx.AsyncClient, account: AdminAccount) -> str:
    """Sign in with password and the current TOTP code; returns the session token."""
    body = {"username": account.username, "password": account.password, "totp": account.code()}
    resp = await api.post("/api/v1/admin/sessions", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["token"]
