"""Test fixtures: one API per test session, on a real port, against PostgreSQL + Redis
(``EHC_TEST_BACKEND=postgres``, the default) or the embedded defaults (``embedded``).

Each run gets its own PostgreSQL database, created and dropped here, and its own Redis db
number, so that runs never see each other's rows. A missing PostgreSQL or Redis skips the tests
that need them on a developer's machine, and fails them under CI (``CI=true``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.routing import Mount

from api.db import lifecycle
from api.kv import EPOCH_KEY
from api.settings import Settings
from api.web.app import create_app
from miniapp_mock.addresses import stand_in_settings
from miniapp_mock.app import create_mock_app
from tests.support.admin import AdminAccount, create_admin, sign_in
from tests.support.live_server import reserve_socket, serve_on
from tests.support.partner import bearer, register_wechat_app

BACKEND = os.environ.get("EHC_TEST_BACKEND", "postgres")
PG_ADMIN_URL = os.environ.get("EHC_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("EHC_TEST_REDIS_URL", "redis://127.0.0.1:6379")
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"CI must not skip: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that talks to the running API touches storage: run it on both backends.
    for item in items:
        if "api" in getattr(item, "fixturenames", ()) or "live" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.storage)


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _redis_db_ok(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=3)
        client.flushdb()
        # A store that has been up a while: a code made and verified in the store epoch's
        # first second is refused by rule (tests/integration/test_store_faults.py shows it).
        client.set(EPOCH_KEY, int(time.time()) - 60)
        client.close()
    except Exception:
        return False
    return True


@dataclass
class Live:
    """The running API: its URL, settings and the environment that reaches the same stores."""

    base_url: str
    settings: Settings
    env: dict[str, str]

    def ehc(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the ``ehc`` command against the same database, cache and keys."""
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``EHC_*`` variables that reproduce ``settings`` in another process."""
    env = {
        "EHC_DATA_DIR": str(settings.data_dir),
        "EHC_KEYS_FILE": str(settings.resolved_keys_file),
        "EHC_ISSUER": settings.issuer,
        "EHC_DATABASE_URL": settings.resolved_database_url,
        # the outside platforms are the test server's /mock, and notifies go to it
        "EHC_PUBLIC_URL": settings.public_url,
        "EHC_WECHAT_API_BASE": settings.wechat_api_base,
        "EHC_ALIPAY_GATEWAY": settings.alipay_gateway,
        "EHC_SMS_BASE_URL": settings.sms_base_url,
        "EHC_SMS_API_KEY": settings.sms_api_key,
        "EHC_IDCHECK_BASE_URL": settings.idcheck_base_url,
        "EHC_FACE_BASE_URL": settings.face_base_url,
        "EHC_WECHATPAY_BASE": settings.wechatpay_base,
        "EHC_WECHATPAY_MCH_ID": settings.wechatpay_mch_id,
        "EHC_WECHATPAY_API_KEY": settings.wechatpay_api_key,
        "EHC_INSURANCE_BASE_URL": settings.insurance_base_url,
        "EHC_INSURANCE_FIXMEDINS_CODE": settings.insurance_fixmedins_code,
        "EHC_INSURANCE_KEY": settings.insurance_key,
        "EHC_PLATFORM_BASE_URL": settings.platform_base_url,
        "EHC_PLATFORM_APP_ID": settings.platform_app_id,
        "EHC_PLATFORM_SECRET": settings.platform_secret,
    }
    if settings.redis_url:
        env["EHC_REDIS_URL"] = settings.redis_url
    return env


@pytest.fixture(scope="session")
def backend_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for this run's private database and cache."""
    data_dir = tmp_path_factory.mktemp("ehc-data")
    if BACKEND == "embedded":
        yield Settings(data_dir=data_dir)
        return
    name = f"ehc_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, no role: say so
        missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc!r}")
    redis_db = int(os.environ.get("EHC_TEST_REDIS_DB", secrets.randbelow(15) + 1))
    redis_url = f"{REDIS_BASE}/{redis_db}"
    if not _redis_db_ok(redis_url):
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}"'))
        missing(f"Redis not reachable at {REDIS_BASE}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield Settings(data_dir=data_dir, database_url=f"{base}/{name}", redis_url=redis_url)
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def live(backend_settings: Settings) -> Iterator[Live]:
    """The API with the mock platforms mounted under /mock, served on a loopback port."""
    sock = reserve_socket()
    host, port = sock.getsockname()[:2]
    base = f"http://{host}:{port}"
    settings = backend_settings.with_overrides(
        **stand_in_settings(base),
        public_url=base,
        sms_api_key="test-sms-key",
        upstream_timeout=3.0,
        sweep_seconds=0.3,
        noshow_grace_seconds=0,
        reminder_leads=(6, 3),  # seconds, so that a test sees both reminders arrive
        wechatpay_mch_id=TEST_MCH_ID,
        wechatpay_api_key=TEST_MCH_KEY,
        insurance_fixmedins_code=TEST_FIXMEDINS_CODE,
        insurance_key=TEST_INSURANCE_KEY,
        run_worker=True,
        worker_poll_seconds=0.1,
        message_retry_base=0.2,
        message_max_attempts=3,
        # the stand-in platform above knows the demo's app (miniapp_mock/platform.py)
        platform_app_id="ehc-demo-centre",
        platform_secret="demo-platform-secret",
        sync_seconds=0.2,
        sync_retry_base=0.2,
        sync_retry_max=1.0,
        counter_pay_wait=6.0,  # a code payment unconfirmed after 6 s is reversed
        counter_poll_seconds=0.5,
    )
    asyncio.run(lifecycle.upgrade(settings.resolved_database_url))
    app = create_app(settings, extra_routes=[Mount("/mock", create_mock_app())])
    with serve_on(app, sock) as url:
        yield Live(base_url=url, settings=settings, env=settings_env(settings))


TEST_MCH_ID, TEST_MCH_KEY = "1900000001", secrets.token_hex(16)
TEST_FIXMEDINS_CODE, TEST_INSURANCE_KEY = "H11010500001", secrets.token_hex(16)


@pytest.fixture
async def api(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the running API."""
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def admin_account(live: Live) -> AdminAccount:
    """One admin for the session, made with ``ehc admin create``."""
    return create_admin(live, "session-admin")


@pytest.fixture(scope="session")
async def admin_headers(live: Live, admin_account: AdminAccount) -> dict[str, str]:
    """Authorization headers of a signed-in admin (signed in once: a TOTP code works once)."""
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        return bearer(await sign_in(client, admin_account))


@pytest.fixture(scope="session")
async def channel_apps(live: Live, admin_headers: dict[str, str]) -> dict[str, dict]:
    """A WeChat, an Alipay and an in-house channel app, registered with us and the stand-ins
    exactly as a card centre would register real ones."""
    from api.channels.rsa_keys import generate_rsa_keypair

    async with httpx.AsyncClient(base_url=live.base_url) as client:
        wechat = await register_wechat_app(client, admin_headers, "wxtest", "Test WeChat")

        private_pem, public_pem = generate_rsa_keypair()
        alipay_id = "2021" + str(secrets.randbelow(10**12)).zfill(12)
        platform = await client.post(
            "/mock/alipay/apps", json={"app_id": alipay_id, "app_public_key": public_pem}
        )
        resp = await client.post(
            "/api/v1/admin/channel-apps",
            json={
                "kind": "alipay",
                "name": "Test Alipay",
                "app_id": alipay_id,
                "app_private_key": private_pem,
                "alipay_public_key": platform.json()["alipay_public_key"],
            },
            headers=admin_headers,
        )
        assert resp.status_code == 201, resp.text

        resp = await client.post(
            "/api/v1/admin/channel-apps",
            json={"kind": "inhouse", "name": "Hospital app"},
            headers=admin_headers,
        )
        assert resp.status_code == 201, resp.text
        inhouse = resp.json()
    return {
        "wechat": wechat,
        "alipay": {"app_id": alipay_id},
        "inhouse": {"app_id": inhouse["app_id"], "app_secret": inhouse["app_secret"]},
    }


@pytest.fixture(scope="session")
async def merchant(live: Live) -> str:
    """The card centre's WeChat Pay merchant, known to the stand-in, whose notify retries come
    100 times faster than WeChat's."""
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        made = await client.post(
            "/mock/wechat/pay/merchants", json={"mch_id": TEST_MCH_ID, "api_key": TEST_MCH_KEY}
        )
        assert made.status_code == 201
        await client.post("/mock/wechat/pay/config", json={"retry_scale": 0.01})
    return TEST_MCH_ID


@pytest.fixture(scope="session")
async def terminal(live: Live, admin_headers: dict[str, str]) -> dict[str, str]:
    """A counter window of the test hospital, registered by the card centre."""
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        resp = await client.post(
            "/api/v1/admin/terminals",
            json={"name": "Window 1", "institution_code": "H0001", "kind": "counter"},
            headers=admin_headers,
        )
        assert resp.status_code == 201, resp.text
        return resp.json()


@pytest.fixture(scope="session")
async def clinic(live: Live, admin_headers: dict[str, str], terminal: dict, merchant: str) -> str:
    """The terminal's institution with departments and doctors, and a WeChat Pay merchant."""
    from tests.support.hospital import ensure_hospital

    async with httpx.AsyncClient(base_url=live.base_url) as api:
        await ensure_hospital(api, admin_headers, terminal["institution_code"])
    return terminal["institution_code"]
