"""The cluster suite: a 3-master, 3-replica Redis Cluster of its own on loopback ports
7101–7106 (tests.support.redis_cluster). Slow: CI runs it; -m 'not slow' skips it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import missing
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
