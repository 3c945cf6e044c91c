"""Several ``ehc worker`` processes on one outbox (PostgreSQL): one is stopped in the middle of
a batch, two more finish the work, and the WeChat stand-in received every message once."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections import Counter

import httpx
import pytest

from tests.conftest import PG_ADMIN_URL, _pg
from tests.integration.test_commands import CLEAN_ENV, read_credentials
from tests.integration.test_messages import wechat_resident, wechat_template
from tests.support.processes import ehc_process, free_port

pytestmark = pytest.mark.postgres_only
TEMPLATE = "card_collected"
PEOPLE = 40


def start_worker(env: dict[str, str], log) -> subprocess.Popen:  # noqa: ANN001
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker"],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def sent_pages(api: httpx.AsyncClient) -> list[str]:
    messages = (await api.get("/mock/wechat/messages")).json()["messages"]
    return [m["page"] for m in messages if m["template_id"] == wechat_template(TEMPLATE)]


async def test_workers_stopped_mid_batch_lose_and_double_nothing(live, tmp_path) -> None:
    name = f"ehc_workers_{secrets.token_hex(4)}"
    await _pg(f'CREATE DATABASE "{name}"')
    env = {
        **CLEAN_ENV,
        "EHC_DATABASE_URL": f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}",
        "EHC_REDIS_URL": live.settings.redis_url or "",
        "EHC_DATA_DIR": str(tmp_path / "data"),
        "EHC_RUN_WORKER": "0",  # the outbox fills up until our workers start
        "EHC_WORKER_POLL_SECONDS": "0.1",
    }
    log = open(tmp_path / "workers.log", "w")  # noqa: SIM115, ASYNC230 - closed below
    workers: list[subprocess.Popen] = []
    try:
        with ehc_process(["demo", "--port", str(free_port())], env, cwd=tmp_path) as base:
            creds = read_credentials(tmp_path / "demo-credentials.json")
            # ehc worker reaches the same platforms as the demo it serves
            env.update({
                "EHC_PUBLIC_URL": base, "EHC_WECHAT_API_BASE": f"{base}/mock/wechat/",
                "EHC_ALIPAY_GATEWAY": f"{base}/mock/alipay/gateway.do",
                "EHC_SMS_BASE_URL": f"{base}/mock/sms", "EHC_SMS_API_KEY": "demo-sms-key",
            })  # fmt: skip
            async with httpx.AsyncClient(base_url=base, timeout=30) as api:
                # every send takes a moment, so that a batch is still going when we stop it
                await api.post("/mock/faults", json={
                    "target": "wechat.subscribe_send", "mode": "timeout", "delay": 0.1,
                    "count": 10_000,
                })  # fmt: skip
                app_id = creds["apps"]["wechat"]["app_id"]
                gate = asyncio.Semaphore(10)

                async def resident() -> dict:
                    async with gate:
                        return await wechat_resident(api, app_id, [TEMPLATE])

                await asyncio.gather(*(resident() for _ in range(PEOPLE)))
                assert await sent_pages(api) == []  # nobody delivers yet

                first = start_worker(env, log)
                workers.append(first)
                deadline = asyncio.get_running_loop().time() + 30
                while len(await sent_pages(api)) < 8:
                    assert first.poll() is None, (tmp_path / "workers.log").read_text()
                    assert asyncio.get_running_loop().time() < deadline, "the worker sent nothing"
                    await asyncio.sleep(0.05)
                first.terminate()  # in the middle of its batch of 20
                assert first.wait(timeout=30) == 0
                stopped_at = len(await sent_pages(api))
                assert stopped_at < PEOPLE

                workers += [start_worker(env, log), start_worker(env, log)]
                deadline = asyncio.get_running_loop().time() + 60
                while len(await sent_pages(api)) < PEOPLE:
                    assert asyncio.get_running_loop().time() < deadline
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)  # nothing more arrives later
                pages = await sent_pages(api)
        counts = Counter(pages)
        assert len(counts) == PEOPLE and set(counts.values()) == {1}, counts.most_common(3)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        log.close()
        await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
