"""Messages as the API shows them (to their resident, and to admins)."""

from __future__ import annotations

from typing import Any

from api.messages.schemas import AdminMessageOut, MessageOut
from api.outbox.models import OutboxMessage
from api.timefmt import local


def _fields(message: OutboxMessage, tz: str) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "event": message.event,
        "card_id": message.card_id,
        "payload": message.payload,
        "status": message.status,
        "delivery": message.delivery or {},
        "created_at": local(message.created_at, tz),
        "read_at": local(message.read_at, tz) if message.read_at else None,
    }


def message_out(message: OutboxMessage, tz: str) -> MessageOut:
    """A message as its resident sees it."""
    return MessageOut(**_fields(message, tz))


def admin_message_out(m: OutboxMessage, tz: str) -> AdminMessageOut:
    """A message as an admin sees it (who, attempts, the last error)."""
    return AdminMessageOut(
        **_fields(m, tz), user_id=m.user_id, attempts=m.attempts, last_error=m.last_error
    )
