"""The cluster suite: a 3-master, 3-replica Redis Cluster of its own on loopback ports
7101–7106 or the next free block (tests.support.redis_cluster), and two ``ehc serve
--workers 2`` nodes on a PostgreSQL database of their own and that cluster
(tests.cluster.nodes). Slow: CI runs it; -m 'not slow' skips it."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from api.settings import Settings
from miniapp_mock.addresses import stand_in_settings
from miniapp_mock.app import create_mock_app
from tests.cluster.nodes import Node, client_of
from tests.conftest import PG_ADMIN_URL, Live, _pg, missing, settings_env
from tests.support.admin import create_admin, sign_in
from tests.support.hospital import ensure_hospital
from tests.support.live_server import reserve_socket, serve_on
from tests.support.partner import bearer, register_wechat_app
from tests.support.redis_cluster import Cluster, redis_cluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/cluster/" in str(item.fspath).replace("\\\\", "/"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The running cluster (a master killed by a test stays dead: its replica serves)."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        missing("redis-server and redis-cli are needed for the cluster suite")
    with redis_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture(scope="session")
def stand_ins() -> Iterator[str]:
    """The outside platforms (WeChat, SMS, identity register…) under ``/mock`` on a port of
    their own, reached by every node."""
    with serve_on(Starlette(routes=[Mount("/mock", create_mock_app())]), reserve_socket()) as url:
        yield url


@dataclass
class Nodes:
    """The running nodes and what reaches the stores they share."""

    a: Node
    b: Node
    stand_ins: str
    database_url: str

    @property
    def both(self) -> tuple[Node, Node]:
        return self.a, self.b


@pytest.fixture(scope="session")
def nodes(cluster: Cluster, stand_ins: str, tmp_path_factory) -> Iterator[Nodes]:
    """Two nodes (2 workers each) sharing one PostgreSQL database, the Redis Cluster and one
    key file; each runs the sweeper, the outbox worker and the upward sync in every worker
    process."""
    if os.environ.get("EHC_TEST_BACKEND", "postgres") != "postgres":
        pytest.skip("several nodes need PostgreSQL (EHC_TEST_BACKEND=postgres)")
    name = f"ehc_nodes_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc!r}")
    workdir = tmp_path_factory.mktemp("nodes")
    database_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    env = {
        **settings_env(_node_settings(workdir, database_url, cluster.url, stand_ins)),
        "EHC_RUN_WORKER": "1",
        "EHC_WORKER_POLL_SECONDS": "0.1",
        "EHC_SWEEP_SECONDS": "1",
        "EHC_SYNC_SECONDS": "0.3",
        "EHC_LOG_LEVEL": "WARNING",
        "EHC_DB_POOL_SIZE": "10",
    }
    a = Node("node-a", {**env, "EHC_DATA_DIR": str(workdir / "a")}, workdir)
    b = Node("node-b", {**env, "EHC_DATA_DIR": str(workdir / "b")}, workdir)
    try:
        a.start()  # migrates the database and writes the shared key file first
        b.start()
        yield Nodes(a, b, stand_ins, database_url)
    finally:
        for node in (a, b):
            node.stop()
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _node_settings(workdir, database_url: str, redis_url: str, mock: str) -> Settings:
    return Settings(
        **stand_in_settings(mock),
        data_dir=workdir,  # the key file; each node's data directory is its own
        database_url=database_url,
        redis_url=redis_url,
        public_url="http://127.0.0.1",
        sms_api_key="test-sms-key",
        upstream_timeout=5.0,
        # the stand-in platform above knows the demo's app (miniapp_mock/platform.py)
        platform_app_id="ehc-demo-centre",
        platform_secret="demo-platform-secret",
    )


@dataclass
class Centre:
    """What the card centre set up through node A: an admin, a WeChat mini-program, a
    hospital and one of its counters."""

    admin: dict[str, str]
    wechat_app: str
    terminal: dict[str, str]

    @property
    def hospital(self) -> str:
        return self.terminal["institution_code"]


@pytest.fixture(scope="session")
async def centre(nodes: Nodes) -> AsyncIterator[Centre]:
    live = Live(base_url=nodes.a.base_url, settings=Settings(), env=nodes.a.env)
    account = create_admin(live, "cluster-admin")
    async with client_of(nodes.a, nodes.stand_ins) as api:
        admin = bearer(await sign_in(api, account))
        app = await register_wechat_app(api, admin, "wxnode", "WeChat")
        terminal = await api.post(
            "/api/v1/admin/terminals",
            json={"name": "Window 1", "institution_code": "H0001", "kind": "counter"},
            headers=admin,
        )
        assert terminal.status_code == 201, terminal.text
        await ensure_hospital(api, admin, "H0001")
        yield Centre(admin, app["app_id"], terminal.json())
