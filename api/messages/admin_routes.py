"""The card centre's door of messages: templates, and messages by delivery status (dead
letters retried by hand)."""

from __future__ import annotations

from api.messages import institution_hooks, service
from api.messages.schemas import (
    AdminMessageList,
    AdminMessageOut,
    AdminMessageQuery,
    TemplateList,
    TemplateOut,
    TemplateUpdate,
    WebhookOut,
    WebhookRequest,
)
from api.messages.views import admin_message_out
from api.web.bodies import path_int
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


async def list_templates(request: Request) -> TemplateList:
    """Every event's wording per channel."""
    rows = await service.templates(caller_of(request))
    return TemplateList(templates=[
        TemplateOut(event=e, channel=c, template_id=t, title=ti, text=tx, urgent=u)
        for e, c, t, ti, tx, u in rows
    ])  # fmt: skip


async def put_template(request: Request, body: TemplateUpdate) -> TemplateOut:
    """Reword an event on a channel (placeholders such as {doctor} {start_text} {room})."""
    event, channel = request.path_params["event"], request.path_params["channel"]
    row = await service.set_template(
        caller_of(request), event, channel, body.template_id, body.title, body.text, body.urgent
    )
    return TemplateOut(event=row.event, channel=row.channel, template_id=row.template_id,
                       title=row.title, text=row.text, urgent=row.urgent)  # fmt: skip


async def admin_list(request: Request, query: AdminMessageQuery) -> AdminMessageList:
    """Messages by delivery status (``status=dead`` lists the dead letters)."""
    tz = ctx_of(request).settings.timezone
    found = await service.admin_messages(caller_of(request), query.status, query.limit)
    return AdminMessageList(messages=[admin_message_out(m, tz) for m in found])


async def admin_retry(request: Request) -> AdminMessageOut:
    """Send a dead or unconfirmed message again."""
    message = await service.retry_message(caller_of(request), path_int(request, "message_id"))
    return admin_message_out(message, ctx_of(request).settings.timezone)


async def put_webhook(request: Request, body: WebhookRequest) -> WebhookOut:
    """Name where an institution's HIS hears about its bills (``bill_paid``) and which of its
    terminals' secrets signs the posts."""
    hook = await institution_hooks.set_webhook(
        caller_of(request), request.path_params["institution_code"], body.url, body.terminal_id
    )
    return WebhookOut(institution_code=hook.institution_code, url=hook.url,
                      client_id=hook.client_id)  # fmt: skip


routes = [
    admin_route("GET", "/api/v1/admin/message-templates", list_templates, response=TemplateList),
    admin_route("PUT", "/api/v1/admin/message-templates/{event}/{channel}", put_template,
                body=TemplateUpdate, response=TemplateOut, errors=["NOT_FOUND"]),
    admin_route("GET", "/api/v1/admin/messages", admin_list, query=AdminMessageQuery,
                response=AdminMessageList),
    admin_route("POST", "/api/v1/admin/messages/{message_id}/retry", admin_retry,
                response=AdminMessageOut, errors=["INVALID_STATE", "NOT_FOUND"]),
    admin_route("PUT", "/api/v1/admin/webhooks/{institution_code}", put_webhook,
                body=WebhookRequest, response=WebhookOut, errors=["NOT_FOUND"]),
]  # fmt: skip
