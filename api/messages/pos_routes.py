"""The terminals' door of messages: notices from hospital systems to their patients."""

from __future__ import annotations

from api.messages import service
from api.messages.schemas import NoticeOut, NoticeRequest
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import Request


async def pos_notice(request: Request, body: NoticeRequest) -> NoticeOut:
    """Tell a patient (by this hospital's patient id) that their report or medicine is ready; it
    reaches everyone holding their card."""
    queued = await service.notice_from_terminal(
        ctx_of(request), caller_of(request), body.patient_id, body.event, body.detail
    )
    return NoticeOut(queued=queued)


routes = [
    terminal_route("POST", "/api/v1/pos/notices", pos_notice, body=NoticeRequest,
                   response=NoticeOut, status=202, errors=["NOT_FOUND"]),
]  # fmt: skip
