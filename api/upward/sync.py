"""The sync with the platform above: upload the outbox's records in order, then fetch the
national blacklist and apply it.

One pass runs at a time across every process (a lease on the ``sync_state`` row, taken by a
conditional update, so no transaction stays open over an HTTP call). Records go up in the
order things happened (``created_at``, then ``id``), a batch at a time; a batch the platform
did not answer stays pending and is sent again after a pause that doubles with each failure
(``sync_retry_base`` up to ``sync_retry_max``), so a platform down for hours leaves a backlog
that drains, in order, when it returns. The platform
de-duplicates by record id: a batch that reached it but whose answer was lost is answered
``duplicate`` the second time, and each record is held there once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from api import policy
from api.cards import service as cards
from api.cards.identity import open_identity
from api.cards.models import Card
from api.context import AppContext
from api.errors import DomainError
from api.outbox.models import OutboxRecord
from api.principals import Caller
from api.timefmt import now
from api.upward.models import SyncState
from api.upward.platform import Platform

log = logging.getLogger("ehc.sync")
NAME = "platform"
LEASE = timedelta(seconds=120)
# Uses reach the outbox through the batch writer (a fraction of a second late) with the instant
# they happened: records are taken in the order things happened, once that long has passed.
SETTLE = timedelta(seconds=1)
PLATFORM_CALLER = Caller(kind="system", id="platform", attrs={"username": "platform"})
TRANSIENT = ("UPSTREAM_UNAVAILABLE", "UPSTREAM_ERROR")
# Records that carry the card holder's identity (read when they go up, never kept in clear).
HOLDER_RECORDS = ("card.register", "card.identity")


class Sync:
    """The sync loop (inside ``ehc demo``/``serve`` with a worker, or ``ehc worker``)."""

    def __init__(self, ctx: AppContext, name: str | None = None) -> None:
        self.ctx = ctx
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        """Return from :meth:`run` after the pass in hand."""
        self.stopping.set()

    async def run(self) -> None:
        """Sync every ``sync_seconds`` until stopped (sooner while a backlog drains)."""
        while not self.stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # the database blinked: wait and go on
                log.exception("sync pass failed")
            try:
                await asyncio.wait_for(self.stopping.wait(), timeout=self.ctx.settings.sync_seconds)
            except TimeoutError:
                pass

    async def run_once(self, *, force: bool = False) -> int:
        """One pass (skipped while another holds the lease, or while backing off unless
        ``force``). Returns how many records went up."""
        platform: Platform | None = self.ctx.adapters.platform
        if platform is None or not await self._lease():
            return 0
        try:
            state = await SyncState.get(name=NAME)
            if not force and state.next_attempt_at and state.next_attempt_at > now():
                return 0
            try:
                sent = await self._drain(platform)
                await self._fetch_blacklist(platform, state.blacklist_cursor)
            except DomainError as exc:
                if exc.code not in TRANSIENT:
                    raise
                await self._failed(state, exc)
                return 0
            await SyncState.filter(name=NAME).update(
                failures=0, next_attempt_at=None, last_success_at=now(), last_error=None
            )
            return sent
        finally:
            await SyncState.filter(name=NAME, holder=self.name).update(
                lease_until=None, holder=None
            )

    async def _lease(self) -> bool:
        at = now()
        if not await SyncState.exists(name=NAME):
            try:
                await SyncState.create(name=NAME)
            except IntegrityError:
                pass  # another process made it first
        taken = await SyncState.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=at), name=NAME
        ).update(lease_until=at + LEASE, holder=self.name)
        return bool(taken)

    async def _drain(self, platform: Platform) -> int:
        """Upload pending records a batch at a time, oldest first, until none is left."""
        batch_size = self.ctx.settings.sync_batch
        sent = 0
        while True:
            records = (
                await OutboxRecord.filter(status="pending", created_at__lt=now() - SETTLE)
                .order_by("created_at", "id")
                .limit(batch_size)
            )
            if not records:
                return sent
            ids = [r.id for r in records]
            try:
                verdicts = await platform.upload(await self._wire(records))
            except DomainError as exc:
                await OutboxRecord.filter(id__in=ids).update(
                    attempts=F("attempts") + 1, last_error=exc.code
                )
                raise
            sent += await self._settle(records, verdicts)
            await SyncState.filter(name=NAME, holder=self.name).update(lease_until=now() + LEASE)
            if len(records) < batch_size:
                return sent

    async def _wire(self, records: list[OutboxRecord]) -> list[dict[str, Any]]:
        """The records as the platform takes them; registrations and identity upgrades carry the
        holder's identity, read now (it is never kept in clear in the outbox)."""
        registering = {r.card_id for r in records if r.kind in HOLDER_RECORDS}
        holders = {
            card.card_id: card
            for card in await Card.filter(card_id__in=registering).prefetch_related("person")
        }
        wire = []
        for record in records:
            item = {
                "record_id": record.record_id,
                "kind": record.kind,
                "card_id": record.card_id,
                **record.payload,
            }
            card = holders.get(record.card_id)
            if record.kind in HOLDER_RECORDS and card is not None:
                item["holder"] = self._holder(card)
            wire.append(item)
        return wire

    def _holder(self, card: Card) -> dict[str, Any]:
        identity = open_identity(self.ctx, card.person)
        return {
            "name": identity.name,
            "id_type": identity.id_type,
            "id_number": identity.id_number,
            "gender": card.person.gender,
            "birth_date": card.person.birth_date.isoformat() if card.person.birth_date else None,
        }

    async def _settle(self, records: list[OutboxRecord], verdicts: dict[str, Any]) -> int:
        held, refused = [], []
        for record in records:
            verdict = verdicts.get(record.record_id, {}).get("result")
            if verdict in ("accepted", "duplicate"):
                held.append(record.id)
            elif verdict == "refused":
                refused.append(record.id)
        at = now()
        await OutboxRecord.filter(id__in=held).update(
            status="sent", sent_at=at, attempts=F("attempts") + 1, last_error=None
        )
        await OutboxRecord.filter(id__in=refused).update(
            status="refused", attempts=F("attempts") + 1, last_error="refused by the platform"
        )
        return len(held)

    async def _fetch_blacklist(self, platform: Platform, cursor: int) -> None:
        """Apply the national blacklist's new entries (a malformed one is logged, skipped)."""
        entries, following = await platform.blacklist(cursor)
        for entry in entries:
            try:
                await cards.add_to_blacklist(
                    self.ctx,
                    PLATFORM_CALLER,
                    str(entry.get("id_type", "")),
                    str(entry.get("id_number", "")),
                    str(entry.get("reason") or "national blacklist")[:255],
                )
            except DomainError as exc:
                log.warning("national blacklist entry skipped: %s", exc.code)
        if following != cursor:
            await SyncState.filter(name=NAME).update(blacklist_cursor=following)

    async def _failed(self, state: SyncState, exc: DomainError) -> None:
        failures = state.failures + 1
        settings = self.ctx.settings
        pause = min(settings.sync_retry_base * 2 ** (failures - 1), settings.sync_retry_max)
        await SyncState.filter(name=NAME).update(
            failures=failures,
            next_attempt_at=now() + timedelta(seconds=pause),
            last_error=f"{exc.code}: {exc.message}"[:255],
        )


async def backlog(actor: Caller) -> dict[str, Any]:
    """(Centre-wide admins) what waits to go up: ``pending``, ``oldest_pending_at``,
    ``last_success_at``, ``failed`` (records the platform refused for good), and the current
    run of failures."""
    policy.require(actor, "centre.read")
    oldest = await OutboxRecord.filter(status="pending").order_by("id").first()
    state = await SyncState.get_or_none(name=NAME)
    return {
        "pending": await OutboxRecord.filter(status="pending").count(),
        "oldest_pending_at": oldest.created_at if oldest else None,
        "last_success_at": state.last_success_at if state else None,
        "failed": await OutboxRecord.filter(status="refused").count(),
        "failures_in_a_row": state.failures if state else 0,
        "next_attempt_at": state.next_attempt_at if state else None,
        "last_error": state.last_error if state else None,
    }
