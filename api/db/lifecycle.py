"""Opening, migrating and closing the database."""

from __future__ import annotations

from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from api.db.config import tortoise_config


def _ensure_sqlite_dir(db_url: str) -> None:
    if db_url.startswith("sqlite://") and ":memory:" not in db_url:
        Path(db_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


async def upgrade(db_url: str) -> None:
    """Apply every pending migration (the schema is created by the tool, never by hand)."""
    _ensure_sqlite_dir(db_url)
    await migrate(config=tortoise_config(db_url))
    await Tortoise.close_connections()


async def open_orm(db_url: str, pool_size: int = 20, *, task_only: bool = False) -> None:
    """Initialise the ORM for serving; the context is global so that requests handled in
    other tasks than the lifespan's see it. With ``task_only`` it is this task's alone (a
    second composition in a process that already serves, e.g. a service test beside the test
    server: a process has one global context)."""
    _ensure_sqlite_dir(db_url)
    await Tortoise.init(
        config=tortoise_config(db_url, pool_size), _enable_global_fallback=not task_only
    )


async def close_orm() -> None:
    """Close every connection pool (and release the global context)."""
    await Tortoise.close_connections()


async def ping() -> None:
    """One round trip to the database; raises when it does not answer."""
    await connections.get("default").execute_query("SELECT 1")
