"""The outbox worker: claims pending messages, delivers each once, retries with backoff,
gives up into dead letters.

Claiming takes a batch with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so several workers share
the work without waiting on each other. Each message is marked ``sending`` (committed) just
before its platform call and ``delivered`` right after. A worker asked to stop (SIGTERM) finishes
the message in hand and hands its unstarted claims back. A worker that dies without warning
leaves its claims to expire: unstarted ones go back to ``pending``; the one it was sending
becomes ``unconfirmed`` and is not sent again by itself, because nobody can know whether the
platform took it (an admin can retry it). So no message is ever sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import timedelta

from tortoise.transactions import in_transaction

from api.context import AppContext
from api.messages import institution_hooks
from api.messages.delivery import Transient, deliver
from api.outbox.models import OutboxMessage
from api.timefmt import now

log = logging.getLogger("ehc.worker")
LEASE = timedelta(seconds=60)
BATCH = 20


class Worker:
    """One delivery loop (``ehc worker``, or a task inside ``ehc demo``)."""

    def __init__(self, ctx: AppContext, name: str | None = None) -> None:
        self.ctx = ctx
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stopping = asyncio.Event()
        self.delivered = 0

    def stop(self) -> None:
        """Finish the message in hand, hand the rest back, and return from :meth:`run`."""
        self.stopping.set()

    async def recover(self) -> None:
        """Claims of workers that died: unstarted back to pending, in-flight unconfirmed."""
        at = now()
        await OutboxMessage.filter(status="claimed", lease_until__lt=at).update(
            status="pending", worker=None, lease_until=None
        )
        await OutboxMessage.filter(status="sending", lease_until__lt=at).update(
            status="unconfirmed", last_error="the worker stopped while sending"
        )

    async def claim(self) -> list[OutboxMessage]:
        """Take up to ``BATCH`` due messages no other worker holds."""
        at = now()
        async with in_transaction():
            ids = (
                await OutboxMessage.filter(status="pending", available_at__lte=at)
                .order_by("id")
                .limit(BATCH)
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)
            )
            if not ids:
                return []
            await OutboxMessage.filter(id__in=ids, status="pending").update(
                status="claimed", worker=self.name, lease_until=at + LEASE
            )
        return list(
            await OutboxMessage.filter(id__in=ids, worker=self.name, status="claimed").order_by(
                "id"
            )
        )

    async def release(self, messages: list[OutboxMessage]) -> None:
        """Hand unstarted claims back (on stop)."""
        ids = [m.id for m in messages]
        await OutboxMessage.filter(id__in=ids, worker=self.name, status="claimed").update(
            status="pending", worker=None, lease_until=None
        )

    async def process(self, message: OutboxMessage) -> None:
        """Deliver one claimed message."""
        started = await OutboxMessage.filter(
            id=message.id, worker=self.name, status="claimed"
        ).update(status="sending", lease_until=now() + LEASE)
        if not started:
            return  # our lease ran out and someone else has it
        settings = self.ctx.settings
        try:
            institution = institution_hooks.for_institution(message)
            if institution is not None:
                outcome = await institution_hooks.deliver(self.ctx, message, institution)
            else:
                outcome = await deliver(self.ctx, message)
        except Transient as exc:
            attempts = message.attempts + 1
            dead = attempts >= settings.message_max_attempts
            delay = settings.message_retry_base * 2 ** (attempts - 1)
            await self._finish(
                message,
                status="dead" if dead else "pending",
                available_at=now() + timedelta(seconds=delay),
                last_error=str(exc)[:255],
            )
            return
        except Exception as exc:  # a bug must not stop the other messages
            log.exception("delivery failed", extra={"fields": {"message": message.id}})
            await self._finish(message, status="dead", last_error=type(exc).__name__[:255])
            return
        sent = any(value == "sent" for value in outcome.values())
        await self._finish(
            message,
            status="delivered" if sent else "inbox_only",
            delivery=outcome,
            channel=next(iter(outcome), None),
            sent_at=now() if sent else None,
        )
        self.delivered += 1

    async def _finish(self, message: OutboxMessage, **fields: object) -> None:
        """The attempt is over: count it and let go of the claim."""
        await OutboxMessage.filter(id=message.id).update(
            attempts=message.attempts + 1, worker=None, lease_until=None, **fields
        )

    async def run_once(self) -> int:
        """One pass: recover, claim, deliver. Returns how many were handled."""
        await self.recover()
        batch = await self.claim()
        for index, message in enumerate(batch):
            if self.stopping.is_set():
                await self.release(batch[index:])
                return index
            await self.process(message)
        return len(batch)

    async def run(self) -> None:
        """Deliver until :meth:`stop` is called."""
        poll = self.ctx.settings.worker_poll_seconds
        while not self.stopping.is_set():
            try:
                handled = await self.run_once()
            except Exception:  # the database blinked: wait and go on
                log.exception("worker pass failed")
                handled = 0
            if not handled:
                try:
                    await asyncio.wait_for(self.stopping.wait(), timeout=poll)
                except TimeoutError:
                    pass


async def retry(message_id: int) -> bool:
    """(Admins) send a dead or unconfirmed message again, now."""
    moved = await OutboxMessage.filter(id=message_id, status__in=("dead", "unconfirmed")).update(
        status="pending", attempts=0, available_at=now(), last_error=None
    )
    return bool(moved)
