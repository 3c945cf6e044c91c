"""The resident's inbox: every outbox message addressed to them."""

from __future__ import annotations

from datetime import UTC, datetime

from api.errors import not_found
from api.messages.models import OutboxMessage
from api.web.caller import Caller

INBOX_LIMIT = 200


async def inbox(caller: Caller) -> list[OutboxMessage]:
    """The caller's messages, newest first."""
    return await OutboxMessage.filter(user_id=caller.id).order_by("-id").limit(INBOX_LIMIT)


async def mark_read(caller: Caller, message_id: int) -> OutboxMessage:
    """Mark one of the caller's messages read (idempotent)."""
    message = await OutboxMessage.get_or_none(id=message_id, user_id=caller.id)
    if message is None:
        raise not_found("message")
    if message.read_at is None:
        message.read_at = datetime.now(UTC)
        await message.save(update_fields=["read_at"])
    return message
