"""The commands a newcomer and an operator run: ``ehc demo`` and ``ehc serve``."""

from __future__ import annotations

import hmac
import json
import os
import secrets
import time

import httpx
import pyotp
import pytest

from tests.conftest import BACKEND
from tests.support.processes import ehc_process, free_port

CLEAN_ENV = {k: "" for k in os.environ if k.startswith("EHC_")}


def token_body(client_id: str, secret: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), secrets.token_hex(8)
    sig = hmac.new(secret.encode(), f"{client_id}\n{ts}\n{nonce}".encode(), "sm3").hexdigest()
    return {"client_id": client_id, "timestamp": ts, "nonce": nonce, "signature": sig}


def read_credentials(path, timeout: float = 30) -> dict:
    """The demo writes its credentials once seeding is done: wait for them."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "the demo wrote no credentials file"
        time.sleep(0.1)
    return json.loads(path.read_text())


def test_demo_seeds_what_api_md_promises_and_survives_a_restart(tmp_path) -> None:
    port = str(free_port())
    with ehc_process(["demo", "--port", port], CLEAN_ENV, cwd=tmp_path) as base:
        creds = read_credentials(tmp_path / "demo-credentials.json")
        assert creds["base_url"] == base
        assert {"wechat", "alipay", "inhouse"} <= set(creds["apps"])
        assert set(creds["terminal"]) == {"terminal_id", "terminal_secret", "institution_code"}
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "db": "ok", "redis": "ok"}
        app = creds["apps"]["inhouse"]
        token = httpx.post(
            f"{base}/api/v1/auth/token", json=token_body(app["app_id"], app["app_secret"])
        )
        assert token.status_code == 200
        term = creds["terminal"]
        body = token_body(term["terminal_id"], term["terminal_secret"])
        assert httpx.post(f"{base}/api/v1/auth/token", json=body).status_code == 200
        admin = creds["admin"]
        signed_in = httpx.post(
            f"{base}/api/v1/admin/sessions",
            json={
                "username": admin["username"],
                "password": admin["password"],
                "totp": pyotp.TOTP(admin["totp_secret"]).now(),
            },
        )
        assert signed_in.status_code == 201
        wx = creds["apps"]["wechat"]["app_id"]
        code = httpx.post(f"{base}/mock/wechat/users/demo-user/code", json={}).json()["code"]
        session = httpx.post(f"{base}/api/v1/channels/{wx}/sessions", json={"code": code})
        assert session.status_code == 201
    # same directory, same data: the partner and terminal secrets still work after a restart
    (tmp_path / "demo-credentials.json").unlink()
    with ehc_process(["demo", "--port", port], CLEAN_ENV, cwd=tmp_path) as base:
        again = read_credentials(tmp_path / "demo-credentials.json")
        assert again["terminal"] == creds["terminal"]
        assert again["apps"]["inhouse"] == creds["apps"]["inhouse"]
        code = httpx.post(f"{base}/mock/alipay/users/demo-user/auth_code", json={}).json()
        ali = again["apps"]["alipay"]["app_id"]
        resp = httpx.post(
            f"{base}/api/v1/channels/{ali}/sessions", json={"auth_code": code["auth_code"]}
        )
        assert resp.status_code == 201


@pytest.mark.postgres_only
@pytest.mark.skipif(BACKEND != "postgres", reason="several workers need PostgreSQL and Redis")
def test_serve_with_workers_on_postgres_and_redis(live) -> None:
    port = str(free_port())
    with ehc_process(["serve", "--port", port, "--workers", "2"], live.env) as base:
        for _ in range(10):
            assert httpx.get(f"{base}/healthz").json()["db"] == "ok"


def test_serve_refuses_workers_on_the_embedded_store(tmp_path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2"],
        env={**os.environ, **CLEAN_ENV, "EHC_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "EHC_REDIS_URL" in done.stderr
