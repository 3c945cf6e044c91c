"""Opening, migrating and closing the database."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.executor import PlanStep

from api.db import migrations as _migrations
from api.db.config import APP_LABEL, tortoise_config
from api.db.upgrade_lock import upgrade_lock


def _ensure_sqlite_dir(db_url: str) -> None:
    """Create the SQLite file's folder and the file itself readable by its owner only (mode
    600; SQLite gives its journal files the same mode): it holds sealed personal data.

    An existing file is never opened here: closing any descriptor of a SQLite file drops every
    POSIX lock this process holds on it, so a connection already open in the process (a
    second core beside a server) would lose its locks and another process could take the
    database from under it."""
    if db_url.startswith("sqlite://") and ":memory:" not in db_url:
        path = Path(db_url.removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # made a moment ago: it is there
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with contextlib.suppress(PermissionError):  # someone else's file: leave it be
            path.chmod(0o600)


async def upgrade(db_url: str) -> list[str]:
    """Apply every pending migration (the schema is created by the tool, never by hand) and
    return the names of those applied, oldest first (empty: the schema was current). Nodes
    upgrading one PostgreSQL at once take turns (:mod:`api.db.upgrade_lock`): the later ones
    find nothing to do."""
    _ensure_sqlite_dir(db_url)
    applied: list[str] = []

    def note(_connection: str, steps: list[PlanStep], _fake: bool, _dry: bool) -> None:
        applied.extend(step.migration.name for step in steps if not step.backward)

    async with upgrade_lock(db_url):
        try:
            await migrate(config=tortoise_config(db_url), reporter=note)
        finally:
            await Tortoise.close_connections()
    return applied


async def open_orm(db_url: str, pool_size: int = 20) -> None:
    """Initialise the ORM for serving; the context is global so that requests handled in
    other tasks than the lifespan's see it."""
    _ensure_sqlite_dir(db_url)
    await Tortoise.init(config=tortoise_config(db_url, pool_size), _enable_global_fallback=True)


@asynccontextmanager
async def orm_opened(db_url: str, pool_size: int, *, private: bool = False) -> AsyncIterator[None]:
    """The ORM open for the block: global for serving (requests run in other tasks than the
    lifespan's), or ``private`` to this task (a second core beside a server in one process, as
    the service-level tests run)."""
    if not private:
        await open_orm(db_url, pool_size)
        try:
            yield
        finally:
            await close_orm()
        return
    _ensure_sqlite_dir(db_url)
    async with TortoiseContext() as orm:
        await orm.init(config=tortoise_config(db_url, pool_size))
        yield


async def close_orm() -> None:
    """Close every connection pool (and release the global context)."""
    await Tortoise.close_connections()


async def ping() -> None:
    """One round trip to the database; raises when it does not answer."""
    await connections.get("default").execute_query("SELECT 1")


def known_migrations() -> list[str]:
    """The names of the migration files shipped with this code, oldest first."""
    folder = Path(_migrations.__file__).parent
    return sorted(p.stem for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))


async def pending_migrations() -> list[str]:
    """Migrations this code ships that the database has not applied (empty: current)."""
    _, rows = await connections.get("default").execute_query(
        "SELECT app, name FROM tortoise_migrations"
    )
    applied = {row["name"] for row in rows if row["app"] == APP_LABEL}
    return [name for name in known_migrations() if name not in applied]
