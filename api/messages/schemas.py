"""Shapes of the resident's inbox, subscriptions, templates and the admin's dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.bounds import key, line, text
from api.schemas import Body, Out


class MessageOut(Out):
    message_id: int
    event: str
    card_id: str | None
    payload: dict[str, Any]
    status: str = Field(description="pending, delivered, inbox_only, dead, unconfirmed…")
    delivery: dict[str, str] = Field(description="per channel: sent, no_quota, refused…")
    created_at: datetime
    read_at: datetime | None


class MessageList(Out):
    messages: list[MessageOut]


class SubscriptionRequest(Body):
    templates: list[key(32)] = Field(
        min_length=1, max_length=20, description="template (event) names, e.g. booking_confirmed"
    )


class SubscriptionOut(Out):
    remaining: dict[str, int]


class TemplateOut(Out):
    event: str
    channel: str
    template_id: str
    title: str
    text: str
    urgent: bool


class TemplateList(Out):
    templates: list[TemplateOut]


class TemplateUpdate(Body):
    template_id: key(64)
    title: line(64)
    text: text(500)
    urgent: bool = False


class AdminMessageOut(MessageOut):
    user_id: str
    attempts: int
    last_error: str | None


class AdminMessageList(Out):
    messages: list[AdminMessageOut]


class AdminMessageQuery(Body):
    status: Literal["pending", "delivered", "inbox_only", "dead", "unconfirmed", "sending",
                    "claimed"] | None = None  # fmt: skip
    limit: int = Field(default=100, ge=1, le=500)


class NoticeRequest(Body):
    """A hospital system telling a patient something (report ready, medicine ready)."""

    event: Literal["report_ready", "medicine_ready"]
    patient_id: key(32, description="this hospital's patient id")
    detail: text(200)


class NoticeOut(Out):
    queued: int


class WebhookRequest(Body):
    url: line(512) = Field(description="where the institution's HIS receives its events")
    terminal_id: key(64) = Field(
        description="the institution's terminal client whose secret signs every post"
    )


class WebhookOut(Out):
    institution_code: str
    url: str
    client_id: str
