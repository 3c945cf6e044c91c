"""Two nodes starting together on one fresh PostgreSQL database: their ``ehc db upgrade`` runs
take turns (an advisory lock), so one creates the schema, the other waits and finds nothing to
do, and every migration is applied once."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys

import asyncpg
import pytest

from api.db.lifecycle import known_migrations
from tests.conftest import BACKEND, PG_ADMIN_URL, _pg
from tests.integration.test_commands import CLEAN_ENV

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(BACKEND != "postgres", reason="the lock is PostgreSQL's"),
]
RUNS = 3


async def test_upgrades_started_together_apply_every_migration_once(tmp_path) -> None:
    name = f"ehc_upgrade_{secrets.token_hex(4)}"
    await _pg(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        env = {**os.environ, **CLEAN_ENV, "EHC_DATABASE_URL": url}
        runs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "api.cli",
                "db",
                "upgrade",
                env={**env, "EHC_DATA_DIR": str(tmp_path / f"node{n}")},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for n in range(RUNS)
        ]
        answers = await asyncio.wait_for(
            asyncio.gather(*(run.communicate() for run in runs)), timeout=180
        )
        assert [run.returncode for run in runs] == [0] * RUNS, answers
        said = sorted(out.decode().strip().split(" (")[0] for out, _ in answers)
        assert said == ["database schema created"] + [
            "database schema was already current: nothing to do"
        ] * (RUNS - 1), answers
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
        try:
            applied = await connection.fetch("SELECT name FROM tortoise_migrations ORDER BY id")
        finally:
            await connection.close()
        assert [row["name"] for row in applied] == known_migrations()
    finally:
        await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
