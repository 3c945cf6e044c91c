"""Service-level tests: the core opened in the test (``tests.support.core.open_core``) with
fakes of the outside systems, on a database of their own (the test server's sweeper must not
meet their rows, nor theirs the server's)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from api.settings import Settings
from tests.conftest import BACKEND, _pg
from tests.support.core import migrate


@pytest.fixture(scope="session")
def core_settings(
    backend_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings of this run's backend, with a database of their own, migrated."""
    data_dir = tmp_path_factory.mktemp("ehc-core")
    if BACKEND == "embedded":
        settings = Settings(data_dir=data_dir)
        migrate(settings)
        yield settings
        return
    base, name = backend_settings.resolved_database_url.rsplit("/", 1)
    asyncio.run(_pg(f'CREATE DATABASE "{name}_core"'))
    try:
        settings = backend_settings.with_overrides(
            data_dir=data_dir, database_url=f"{base}/{name}_core"
        )
        migrate(settings)
        yield settings
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}_core" WITH (FORCE)'))
