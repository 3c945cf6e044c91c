"""``/api/v1/messages``: the resident's inbox."""

from __future__ import annotations

from starlette.requests import Request

from api.context import ctx_of
from api.errors import DomainError
from api.messages import service
from api.messages.models import OutboxMessage
from api.messages.schemas import MessageList, MessageOut
from api.timefmt import local
from api.web.caller import caller_of
from api.web.endpoint import api_route

RESIDENT = ("resident",)


def message_out(message: OutboxMessage, tz: str) -> MessageOut:
    """A message as its resident sees it (times in the hospital zone)."""
    return MessageOut(
        message_id=message.id,
        event=message.event,
        card_id=message.card_id,
        payload=message.payload,
        status=message.status,
        created_at=local(message.created_at, tz),
        read_at=local(message.read_at, tz) if message.read_at else None,
    )


async def list_messages(request: Request) -> MessageList:
    """Your messages, newest first."""
    tz = ctx_of(request).settings.timezone
    found = await service.inbox(caller_of(request))
    return MessageList(messages=[message_out(m, tz) for m in found])


async def read_message(request: Request) -> MessageOut:
    """Mark a message read."""
    try:
        message_id = int(request.path_params["message_id"])
    except ValueError:
        raise DomainError("NOT_FOUND", "no such message") from None
    found = await service.mark_read(caller_of(request), message_id)
    return message_out(found, ctx_of(request).settings.timezone)


routes = [
    api_route("GET", "/api/v1/messages", list_messages, response=MessageList, auth=RESIDENT,
              tags=["messages"]),
    api_route("POST", "/api/v1/messages/{message_id}/read", read_message, response=MessageOut,
              auth=RESIDENT, tags=["messages"], errors=["NOT_FOUND"]),
]  # fmt: skip
