"""Writing events to the outbox (call inside the transaction of the change that caused them)."""

from __future__ import annotations

from typing import Any

from api.outbox.models import OutboxMessage


async def enqueue(
    event: str, user_id: str, payload: dict[str, Any], card_id: str | None = None
) -> OutboxMessage:
    """Record ``event`` for ``user_id``; a worker delivers it through the user's channel."""
    return await OutboxMessage.create(
        event=event, user_id=user_id, card_id=card_id, payload=payload
    )


INSTITUTION = "inst:"  # the outbox recipient prefix of an institution (its HIS webhook)


async def enqueue_for_institution(
    event: str, institution_code: str, payload: dict[str, Any]
) -> OutboxMessage:
    """Record ``event`` for an institution; the worker posts it to the institution's webhook."""
    return await enqueue(event, INSTITUTION + institution_code, payload)
