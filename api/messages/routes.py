"""``/api/v1/messages``: the inbox and subscribe grants (residents), templates and dead letters
(admins), and notices from hospital systems (terminals)."""

from __future__ import annotations

from api.appointments.models import Hospital
from api.audit import service as audit
from api.errors import DomainError
from api.messages import service
from api.messages.schemas import (
    AdminMessageList,
    AdminMessageOut,
    AdminMessageQuery,
    MessageList,
    MessageOut,
    NoticeOut,
    NoticeRequest,
    SubscriptionOut,
    SubscriptionRequest,
    TemplateList,
    TemplateOut,
    TemplateUpdate,
)
from api.messages.worker import retry
from api.outbox.models import OutboxMessage
from api.terminals.service import terminal_of
from api.timefmt import local
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route
from api.web.http import Request

RESIDENT = ("resident",)
ADMIN = ("admin",)


def _fields(message: OutboxMessage, tz: str) -> dict:
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


def _admin_out(m: OutboxMessage, tz: str) -> AdminMessageOut:
    return AdminMessageOut(
        **_fields(m, tz), user_id=m.user_id, attempts=m.attempts, last_error=m.last_error
    )


async def list_messages(request: Request) -> MessageList:
    """Your messages, newest first, with what each channel did with them."""
    tz = ctx_of(request).settings.timezone
    found = await service.inbox(caller_of(request))
    return MessageList(messages=[MessageOut(**_fields(m, tz)) for m in found])


async def read_message(request: Request) -> MessageOut:
    """Mark a message read."""
    found = await service.mark_read(caller_of(request), path_int(request, "message_id"))
    return MessageOut(**_fields(found, ctx_of(request).settings.timezone))


async def subscribe(request: Request, body: SubscriptionRequest) -> SubscriptionOut:
    """Record the one-time subscribe grants the user just accepted (wx.requestSubscribeMessage):
    one grant, one message of that template."""
    return SubscriptionOut(remaining=await service.subscribe(caller_of(request), body.templates))


async def list_templates(request: Request) -> TemplateList:
    """Every event's wording per channel."""
    rows = await service.templates()
    return TemplateList(templates=[
        TemplateOut(event=e, channel=c, template_id=t, title=ti, text=tx, urgent=u)
        for e, c, t, ti, tx, u in rows
    ])  # fmt: skip


async def put_template(request: Request, body: TemplateUpdate) -> TemplateOut:
    """Reword an event on a channel (placeholders such as {doctor} {start_text} {room})."""
    event, channel = request.path_params["event"], request.path_params["channel"]
    row = await service.set_template(
        event, channel, body.template_id, body.title, body.text, body.urgent
    )
    await audit.record(
        caller_of(request), "message_template.update", target_type="template",
        target_id=f"{event}/{channel}",
    )  # fmt: skip
    return TemplateOut(event=row.event, channel=row.channel, template_id=row.template_id,
                       title=row.title, text=row.text, urgent=row.urgent)  # fmt: skip


async def admin_list(request: Request, query: AdminMessageQuery) -> AdminMessageList:
    """Messages by delivery status (``status=dead`` lists the dead letters)."""
    tz = ctx_of(request).settings.timezone
    found = await service.admin_messages(query.status, query.limit)
    return AdminMessageList(messages=[_admin_out(m, tz) for m in found])


async def admin_retry(request: Request) -> AdminMessageOut:
    """Send a dead or unconfirmed message again."""
    message_id = path_int(request, "message_id")
    if not await retry(message_id):
        raise DomainError("INVALID_STATE", "only dead or unconfirmed messages are retried")
    await audit.record(
        caller_of(request), "message.retry", target_type="message", target_id=str(message_id)
    )
    return _admin_out(await OutboxMessage.get(id=message_id), ctx_of(request).settings.timezone)


async def pos_notice(request: Request, body: NoticeRequest) -> NoticeOut:
    """(Hospital systems, with a terminal token) tell a patient their report or medicine is
    ready; it reaches everyone holding their card."""
    ctx, caller = ctx_of(request), caller_of(request)
    terminal = await terminal_of(ctx, caller)
    hospital = await Hospital.get_or_none(code=terminal.institution_code)
    queued = await service.notify_patient(
        terminal.institution_code, body.patient_id, body.event, body.detail,
        hospital.name if hospital else terminal.institution_code,
    )  # fmt: skip
    return NoticeOut(queued=queued)


routes = [
    api_route("GET", "/api/v1/messages", list_messages, response=MessageList, auth=RESIDENT,
              tags=["messages"]),
    api_route("POST", "/api/v1/messages/{message_id}/read", read_message, response=MessageOut,
              auth=RESIDENT, tags=["messages"], errors=["NOT_FOUND"]),
    api_route("POST", "/api/v1/messages/subscriptions", subscribe, body=SubscriptionRequest,
              response=SubscriptionOut, status=201, auth=RESIDENT, tags=["messages"]),
    api_route("POST", "/api/v1/pos/notices", pos_notice, body=NoticeRequest, response=NoticeOut,
              status=202, auth=("client",), scope="pos", tags=["terminals"],
              errors=["NOT_FOUND"]),
    api_route("GET", "/api/v1/admin/message-templates", list_templates, response=TemplateList,
              auth=ADMIN, tags=["admin"]),
    api_route("PUT", "/api/v1/admin/message-templates/{event}/{channel}", put_template,
              body=TemplateUpdate, response=TemplateOut, auth=ADMIN, tags=["admin"],
              errors=["NOT_FOUND"]),
    api_route("GET", "/api/v1/admin/messages", admin_list, query=AdminMessageQuery,
              response=AdminMessageList, auth=ADMIN, tags=["admin"]),
    api_route("POST", "/api/v1/admin/messages/{message_id}/retry", admin_retry,
              response=AdminMessageOut, auth=ADMIN, tags=["admin"],
              errors=["INVALID_STATE", "NOT_FOUND"]),
]  # fmt: skip
