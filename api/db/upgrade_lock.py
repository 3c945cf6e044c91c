"""One schema upgrade at a time, whichever node runs it: ``ehc db upgrade`` (and ``serve``,
``demo`` and the commands, which upgrade first) hold a PostgreSQL advisory lock around the
whole run, so a second node starting at the same moment waits for the first and then finds
nothing left to do.

The lock is a session lock on one connection of its own, opened for the run and closed after
it (closing the session would release it too, should the process die). The ORM's pool never
holds it, so its connections keep no session state. The embedded SQLite file is used by one
process and needs none.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

from api.db.config import CONNECT_TIMEOUT, is_postgres

# The same fixed key on every node ("ehc:upgr" as a big-endian 64-bit integer).
UPGRADE_LOCK_KEY = int.from_bytes(b"ehc:upgr", "big")
# What asyncpg.connect takes from the URL's settings (the rest are the ORM pool's).
CONNECT_SETTINGS = ("host", "port", "user", "password", "database", "ssl")

log = logging.getLogger("ehc.db")


@asynccontextmanager
async def upgrade_lock(db_url: str) -> AsyncIterator[None]:
    """Hold the upgrade lock of the database at ``db_url`` for the block, waiting for any
    other holder first (no lock for SQLite)."""
    if not is_postgres(db_url):
        yield
        return
    credentials = expand_db_url(db_url)["credentials"]
    connection = await asyncpg.connect(
        **{k: v for k, v in credentials.items() if k in CONNECT_SETTINGS and v is not None},
        timeout=CONNECT_TIMEOUT,
        server_settings={"application_name": "ehc db upgrade"},
    )
    try:
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", UPGRADE_LOCK_KEY):
            log.warning("another node is upgrading the database schema: waiting for it")
            await connection.execute("SELECT pg_advisory_lock($1)", UPGRADE_LOCK_KEY)
        yield
        await connection.execute("SELECT pg_advisory_unlock($1)", UPGRADE_LOCK_KEY)
    finally:
        with contextlib.suppress(Exception):  # a broken session has let the lock go anyway
            await connection.close(timeout=CONNECT_TIMEOUT)
