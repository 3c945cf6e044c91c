"""``ehc worker``: deliver the outbox until SIGTERM or Ctrl+C (then finish the message in
hand and hand the rest back)."""

from __future__ import annotations

import asyncio
import signal

from api.composition import open_context
from api.messages.worker import Worker
from api.settings import Settings
from api.upward.sync import Sync


async def run_worker(settings: Settings) -> int:
    """Run one worker; several may run at once against PostgreSQL."""
    async with open_context(settings, migrate=True) as ctx:
        worker = Worker(ctx)
        sync = Sync(ctx) if ctx.adapters.platform else None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
            if sync:
                loop.add_signal_handler(sig, _stop_both(worker, sync))
        print(f"ehc worker {worker.name}: delivering", flush=True)
        await asyncio.gather(worker.run(), *([sync.run()] if sync else []))
        print(f"ehc worker {worker.name}: stopped after {worker.delivered} messages", flush=True)
    return 0


def _stop_both(worker: Worker, sync: Sync) -> object:
    def stop() -> None:
        worker.stop()
        sync.stop()

    return stop
