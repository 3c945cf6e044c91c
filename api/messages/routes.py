"""The residents' door of messages: the inbox and the one-time subscribe grants."""

from __future__ import annotations

from api.messages import service
from api.messages.schemas import MessageList, MessageOut, SubscriptionOut, SubscriptionRequest
from api.messages.views import message_out
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import resident_route
from api.web.http import Request


async def list_messages(request: Request) -> MessageList:
    """Your messages, newest first, with what each channel did with them."""
    tz = ctx_of(request).settings.timezone
    found = await service.inbox(caller_of(request))
    return MessageList(messages=[message_out(m, tz) for m in found])


async def read_message(request: Request) -> MessageOut:
    """Mark a message read."""
    found = await service.mark_read(caller_of(request), path_int(request, "message_id"))
    return message_out(found, ctx_of(request).settings.timezone)


async def subscribe(request: Request, body: SubscriptionRequest) -> SubscriptionOut:
    """Record the one-time subscribe grants the user just accepted (wx.requestSubscribeMessage):
    one grant, one message of that template."""
    return SubscriptionOut(remaining=await service.subscribe(caller_of(request), body.templates))


routes = [
    resident_route("GET", "/api/v1/messages", list_messages, response=MessageList,
                   tags=["messages"]),
    resident_route("POST", "/api/v1/messages/{message_id}/read", read_message,
                   response=MessageOut, tags=["messages"], errors=["NOT_FOUND"]),
    resident_route("POST", "/api/v1/messages/subscriptions", subscribe,
                   body=SubscriptionRequest, response=SubscriptionOut, status=201,
                   tags=["messages"]),
]  # fmt: skip
