"""A small, bounded thread pool for CPU-heavy checks (password hashing, SM2 signatures), so that
they never run on the event loop.

scrypt releases the GIL (OpenSSL does the work), so a flood of sign-ins costs other requests
almost nothing; gmssl's SM2 is pure Python and still shares the GIL, but in slices the event
loop interleaves with. At most ``workers`` checks run at once and at most ``waiting`` wait for a
thread; past that the caller is told to come back (429), so a flood queues no unbounded work.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from api.errors import too_many

T = TypeVar("T")


class CpuPool:
    """``await pool.run(fn, *args)`` runs ``fn`` on one of a few threads."""

    def __init__(self, workers: int | None = None, waiting: int = 64) -> None:
        # Half the cores at most: the event loop keeps a core of its own under a flood.
        self._workers = workers or max(1, (os.cpu_count() or 2) // 2)
        self._limit = self._workers + waiting
        self._busy = 0
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """The result of ``fn(*args)``; ``TOO_MANY_REQUESTS`` when the pool is full."""
        if self._busy >= self._limit:
            raise too_many(1, "too many sign-ins at once; retry in a moment")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="ehc-cpu")
        self._busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, partial(fn, *args)
            )
        finally:
            self._busy -= 1

    def close(self) -> None:
        """Stop the threads (after the running checks finish)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
