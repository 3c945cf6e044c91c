"""Shapes of the resident's inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.schemas import Out


class MessageOut(Out):
    message_id: int
    event: str
    card_id: str | None
    payload: dict[str, Any]
    status: str
    created_at: datetime
    read_at: datetime | None


class MessageList(Out):
    messages: list[MessageOut]
