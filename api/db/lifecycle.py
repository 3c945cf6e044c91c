"""Opening, migrating and closing the database."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from api.db.config import tortoise_config


def _ensure_sqlite_dir(db_url: str) -> None:
    """Create the SQLite file's folder and the file itself readable by its owner only (mode
    600; SQLite gives its journal files the same mode): it holds sealed personal data."""
    if db_url.startswith("sqlite://") and ":memory:" not in db_url:
        path = Path(db_url.removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        with contextlib.suppress(PermissionError):  # someone else's file: leave it be
            path.chmod(0o600)


async def upgrade(db_url: str) -> None:
    """Apply every pending migration (the schema is created by the tool, never by hand)."""
    _ensure_sqlite_dir(db_url)
    await migrate(config=tortoise_config(db_url))
    await Tortoise.close_connections()


async def open_orm(db_url: str, pool_size: int = 20) -> None:
    """Initialise the ORM for serving; the context is global so that requests handled in
    other tasks than the lifespan's see it."""
    _ensure_sqlite_dir(db_url)
    await Tortoise.init(config=tortoise_config(db_url, pool_size), _enable_global_fallback=True)


async def close_orm() -> None:
    """Close every connection pool (and release the global context)."""
    await Tortoise.close_connections()


async def ping() -> None:
    """One round trip to the database; raises when it does not answer."""
    await connections.get("default").execute_query("SELECT 1")
