"""A small, bounded pool for CPU-heavy checks (password hashing, SM2 signatures), so that they
never run on the event loop.

scrypt releases the GIL (OpenSSL does the work): it runs on threads. gmssl's SM2 is pure Python
and would hold the GIL against the event loop, so it runs in worker processes
(``run(..., gil=True)``, started on first use). At most ``workers`` checks of each kind run at
once (half the cores: the event loop keeps one) and at most ``waiting`` wait; past that the
caller is told to come back (429), so a flood queues no unbounded work.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from api.errors import too_many

T = TypeVar("T")


class CpuPool:
    """``await pool.run(fn, *args)`` runs ``fn`` on a thread, or in a process with ``gil``."""

    def __init__(self, workers: int | None = None, waiting: int = 64) -> None:
        self._workers = workers or max(1, (os.cpu_count() or 2) // 2)
        self._limit = self._workers + waiting
        self._busy = 0
        self._threads: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: object, gil: bool = False) -> T:
        """The result of ``fn(*args)`` (``gil``: ``fn`` is pure Python, run it in a process;
        it and its arguments must pickle); ``TOO_MANY_REQUESTS`` when the pool is full."""
        if self._busy >= self._limit:
            raise too_many(1, "too many sign-ins at once; retry in a moment")
        self._busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor(gil), partial(fn, *args)
            )
        finally:
            self._busy -= 1

    def _executor(self, gil: bool) -> Executor:
        if gil:
            if self._processes is None:
                # spawn: a fork of a process running an event loop and its threads is unsafe
                spawn = multiprocessing.get_context("spawn")
                self._processes = ProcessPoolExecutor(self._workers, mp_context=spawn)
            return self._processes
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self._workers, thread_name_prefix="ehc-cpu")
        return self._threads

    def close(self) -> None:
        """Stop the threads and processes (after the running checks finish)."""
        for executor in (self._threads, self._processes):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._threads = self._processes = None
