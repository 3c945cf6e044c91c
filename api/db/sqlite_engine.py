"""The embedded default's SQLite engine: Tortoise's, with transactions that take the write lock
when they begin (``BEGIN IMMEDIATE``).

A deferred ``BEGIN`` reads from a snapshot and asks for the write lock only at its first write;
if another process (``ehc serve`` beside an ``ehc schedules import``) wrote in between, SQLite
answers "database is locked" at once instead of waiting its busy timeout, and the command
fails. Taking the lock first makes a second writer wait its turn (up to the busy timeout).
One process already runs its transactions one at a time on its single connection.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A transaction that holds the database's write lock from its start."""

    async def begin(self) -> None:
        """Open the transaction with the write lock taken (waiting for another writer)."""
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """Tortoise's SQLite client whose transactions begin immediately."""

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
