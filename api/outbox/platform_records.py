"""Records for the platform above, written to the outbox with the change that caused them:
a card registered when collected, each status change, a newborn card's identity when the
child has a number, each use at a terminal (用卡数据上报).

The payloads hold no personal data (the registration's identity is read when it is uploaded).
Nothing is written when no platform is configured.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from api.batch_writer import BatchWriter
from api.outbox.models import OutboxRecord
from api.settings import Settings


def _reporting(settings: Settings) -> bool:
    return bool(settings.platform_base_url)


def _stamp() -> str:
    return datetime.now(UTC).isoformat()


async def card_registered(settings: Settings, card_id: str, issuer: str, kind: str) -> None:
    """A card was collected (call inside the collection's transaction)."""
    if _reporting(settings):
        await _add("card.register", card_id, {"issuer": issuer, "card_kind": kind, "at": _stamp()})


async def identity_given(settings: Settings, card_id: str, kind: str) -> None:
    """A card issued without a document (a newborn's) has its holder's number now: the
    registration's holder is read again when this goes up (call inside the change)."""
    if _reporting(settings):
        await _add("card.identity", card_id, {"card_kind": kind, "at": _stamp()})


async def status_changed(
    settings: Settings, card_id: str, action: str, from_status: str, to_status: str
) -> None:
    """A card moved through its lifecycle (call inside the change's transaction)."""
    if _reporting(settings):
        payload = {"action": action, "from": from_status, "to": to_status, "at": _stamp()}
        await _add("card.status", card_id, payload)


def card_used(settings: Settings, writer: BatchWriter, card_id: str, use: dict[str, Any]) -> None:
    """A card was used at a terminal: queued with the usage row itself (same batch)."""
    if _reporting(settings):
        writer.add_values(
            OutboxRecord,
            record_id=uuid.uuid4().hex,
            kind="card.usage",
            card_id=card_id,
            payload={**use, "at": _stamp()},
            created_at=datetime.now(UTC),
        )


async def _add(kind: str, card_id: str, payload: dict[str, Any]) -> None:
    await OutboxRecord.create(
        record_id=uuid.uuid4().hex, kind=kind, card_id=card_id, payload=payload
    )
