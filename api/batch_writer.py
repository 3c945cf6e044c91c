"""Rows that need not be written inside the request (usage events, identity-read audit entries)
are queued and written in batches, so a busy counter does not pay a round trip for each.

A batch is written every ``interval`` seconds or when ``max_batch`` rows wait, and everything
left is written when the service stops. A crash loses at most one interval of such rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from tortoise.models import Model

log = logging.getLogger("ehc.batch_writer")


class BatchWriter:
    """Collects unsaved model instances and bulk-inserts them per model."""

    def __init__(self, interval: float = 0.2, max_batch: int = 500) -> None:
        self.interval = interval
        self.max_batch = max_batch
        self._pending: list[Model] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin flushing in the background (call inside the running loop)."""
        self._task = asyncio.create_task(self._run())

    def add(self, row: Model) -> None:
        """Queue one unsaved row."""
        self._pending.append(row)
        if len(self._pending) >= self.max_batch:
            self._wake.set()

    async def flush(self) -> None:
        """Write everything queued so far."""
        rows, self._pending = self._pending, []
        by_model: dict[type[Model], list[Model]] = defaultdict(list)
        for row in rows:
            by_model[type(row)].append(row)
        for model, batch in by_model.items():
            try:
                await model.bulk_create(batch)
            except Exception:  # a bad batch must not stop the writer; say so loudly
                log.exception("batch write failed", extra={"fields": {"model": model.__name__}})

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            if self._pending:
                await self.flush()

    async def close(self) -> None:
        """Stop the loop and write what is left."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
