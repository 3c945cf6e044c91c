"""Store faults, against a redis-server this module starts and controls (a second API server
on the run's PostgreSQL and that Redis) and a database reached through a proxy it can cut.
Stopped, frozen or restarted empty, the store never makes a request hang or answer 500, and
what was spent before a restart stays spent; an unreachable database is a quick 503."""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlparse

import httpx
import pytest

from tests.support.counter import qr_payload
from tests.support.partner import bearer, token_request
from tests.support.people import make_person
from tests.support.processes import ehc_process, free_port
from tests.support.redis_server import RedisServer, redis_server
from tests.support.resident import collect, new_holder, register_person, wechat_session
from tests.support.tcp_proxy import TcpProxy, tcp_proxy

TOKEN = "/api/v1/auth/token"
VERIFY = "/api/v1/pos/verify"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, live) -> Iterator[RedisServer]:
    if not live.settings.redis_url:
        pytest.skip("the embedded store has no Redis to stop")
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def faulty(live, store: RedisServer) -> Iterator[str]:
    """The API (tests.support.fault_server) on the module's own Redis and the run's database;
    its base URL."""
    env = {**live.env, "EHC_REDIS_URL": store.url, "EHC_RUN_WORKER": "false"}
    args = ["--port", str(free_port())]
    with ehc_process(args, env, module="tests.support.fault_server") as url:
        yield url


@pytest.fixture
async def fapi(faulty: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=faulty, timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def running(store: RedisServer) -> Iterator[None]:
    yield
    store.ensure_running()


async def terminal_token(fapi: httpx.AsyncClient, terminal: dict) -> dict[str, str]:
    body = token_request(terminal["terminal_id"], terminal["terminal_secret"])
    resp = await fapi.post(TOKEN, json=body)
    assert resp.status_code == 200, resp.text
    return bearer(resp.json()["access_token"])


async def test_redis_stopped_answers_503_store_unavailable_fast(fapi, store, terminal) -> None:
    store.stop()
    started = time.monotonic()
    body = token_request(terminal["terminal_id"], terminal["terminal_secret"])
    answers = await asyncio.gather(*(fapi.post(TOKEN, json=body) for _ in range(20)))
    assert {r.status_code for r in answers} == {503}
    assert {r.json()["error"]["code"] for r in answers} == {"STORE_UNAVAILABLE"}
    assert time.monotonic() - started < 5  # never a hang (the contract's bound is 2 s each)
    health = await fapi.get("/healthz")
    assert health.status_code == 503 and health.json()["redis"] == "error"


async def test_redis_frozen_answers_503_instead_of_hanging(fapi, store, terminal) -> None:
    headers = await terminal_token(fapi, terminal)
    store.freeze()
    started = time.monotonic()
    resp = await fapi.post(VERIFY, json={"qr": "EHC1:S:x:y:z", "scene": "x"}, headers=headers)
    waited = time.monotonic() - started
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "STORE_UNAVAILABLE"
    assert waited < 4, waited  # the socket timeout, not the length of the freeze
    store.thaw()
    assert (await fapi.get("/healthz")).status_code == 200


async def test_after_a_restart_old_pooled_connections_fail_no_request(
    fapi, store, terminal
) -> None:
    # Fill the pool with several connections, then restart Redis under them.
    await asyncio.gather(*(terminal_token(fapi, terminal) for _ in range(8)))
    store.restart_empty()
    answers = await asyncio.gather(
        *(
            fapi.post(
                TOKEN, json=token_request(terminal["terminal_id"], terminal["terminal_secret"])
            )
            for _ in range(8)
        )
    )
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]


async def test_a_used_code_stays_used_after_redis_restarts_empty(
    api, fapi, store, terminal, channel_apps
) -> None:
    assert (await fapi.get("/healthz")).status_code == 200  # notices an earlier test's restart
    await asyncio.sleep(1.1)  # codes issued from the next second on are after the epoch
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    card_id = holder["card"]["card_id"]
    payload = await qr_payload(api, holder["token"], card_id)  # issued by the session's server
    headers = await terminal_token(fapi, terminal)
    scan = {"qr": payload, "scene": "registration"}
    assert (await fapi.post(VERIFY, json=scan, headers=headers)).status_code == 200
    store.restart_empty()
    headers = await terminal_token(fapi, terminal)  # the old token went with the data
    again = await fapi.post(VERIFY, json=scan, headers=headers)
    assert again.status_code in (409, 410), again.text
    assert again.json()["error"]["code"] in ("QR_REPLAYED", "QR_EXPIRED")
    assert (await fapi.get("/healthz")).status_code == 200
    await asyncio.sleep(1.1)
    fresh = {"qr": await qr_payload(api, holder["token"], card_id), "scene": "registration"}
    assert (await fapi.post(VERIFY, json=fresh, headers=headers)).status_code == 200


async def test_a_code_made_after_redis_restarts_empty_verifies_before_any_probe(
    api, fapi, store, terminal, channel_apps
) -> None:
    app_id = channel_apps["wechat"]["app_id"]
    user = secrets.token_hex(6)
    holder = await wechat_session(api, app_id, user)
    person = make_person(random.Random(secrets.randbits(64)))
    await register_person(api, person)
    card = await collect(api, holder["token"], person)
    assert card.status_code == 201, card.text
    store.restart_empty()
    # The resident opens the mini-program on this server: no health probe, no verification
    # has touched the new store yet. Codes made in the restart's own second are refused by
    # rule (a code spent in it before the restart cannot be told apart): take the next one.
    login = (await api.post(f"/mock/wechat/users/{user}/code", json={"appid": app_id})).json()
    session = await fapi.post(f"/api/v1/channels/{app_id}/sessions", json={"code": login["code"]})
    assert session.status_code == 201, session.text
    token, card_id = session.json()["token"], card.json()["card_id"]
    await qr_payload(fapi, token, card_id)
    await asyncio.sleep(1.1)
    scan = {"qr": await qr_payload(fapi, token, card_id), "scene": "registration"}
    await asyncio.sleep(1.1)  # the first verification comes later than the code
    headers = await terminal_token(fapi, terminal)
    first = await fapi.post(VERIFY, json=scan, headers=headers)
    assert first.status_code == 200, first.text


async def test_a_used_token_request_stays_used_after_redis_restarts_empty(
    fapi, store, terminal
) -> None:
    body = token_request(terminal["terminal_id"], terminal["terminal_secret"])
    assert (await fapi.post(TOKEN, json=body)).status_code == 200
    store.restart_empty()
    replay = await fapi.post(TOKEN, json=body)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "REPLAYED"


async def test_a_500_carries_the_request_id_it_asks_to_quote(fapi) -> None:
    resp = await fapi.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert resp.status_code == 500
    assert resp.json()["error"]["code"] == "INTERNAL_ERROR"
    assert resp.headers["x-request-id"] == "trace-500"
    assert resp.headers["x-content-type-options"] == "nosniff"


@pytest.fixture(scope="module")
def db_link(live) -> Iterator[TcpProxy]:
    url = urlparse(live.settings.resolved_database_url)
    with tcp_proxy(url.hostname or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def db_faulty(live, db_link: TcpProxy) -> Iterator[str]:
    """The API (its own process) reaching the run's database through a proxy the test cuts."""
    url = urlparse(live.settings.resolved_database_url)
    through = url._replace(netloc=f"{url.username or 'postgres'}@127.0.0.1:{db_link.port}")
    env = {**live.env, "EHC_DATABASE_URL": through.geturl(), "EHC_RUN_WORKER": "false"}
    with ehc_process(["--port", str(free_port())], env, module="tests.support.fault_server") as u:
        yield u


async def test_database_unreachable_answers_503_db_unavailable(db_faulty, db_link) -> None:
    async with httpx.AsyncClient(base_url=db_faulty, timeout=30) as client:
        sign_in = {"username": "someone", "password": "pw", "totp": "123456"}
        assert (await client.post("/api/v1/admin/sessions", json=sign_in)).status_code == 401
        db_link.cut()
        try:
            started = time.monotonic()
            answers = [
                await client.post("/api/v1/admin/sessions", json={**sign_in, "username": f"u{n}"})
                for n in range(3)
            ]
            assert [r.status_code for r in answers] == [503] * 3, [r.text for r in answers]
            assert {r.json()["error"]["code"] for r in answers} == {"DB_UNAVAILABLE"}
            assert time.monotonic() - started < 15  # seconds, not asyncpg's minute each
            health = await client.get("/healthz")
            assert health.status_code == 503 and health.json()["db"] == "error"
        finally:
            db_link.restore()
        again = await client.post("/api/v1/admin/sessions", json={**sign_in, "username": "v"})
        assert again.status_code == 401
