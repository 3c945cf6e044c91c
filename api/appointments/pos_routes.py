"""The terminals' door of appointments: check-in by the patient's code and calling the next
patient."""

from __future__ import annotations

from api.appointments import queue
from api.appointments.schemas import AppointmentOut, CheckinOut, CheckinRequest, QueueNextRequest
from api.appointments.views import appointment_out
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import Request


async def checkin(request: Request, body: CheckinRequest) -> CheckinOut:
    """Check a booked patient in by their health-card code: a queue number."""
    appointment, ahead = await queue.check_in(
        ctx_of(request), caller_of(request), body.qr, body.appointment_id
    )
    assert appointment.queue_number is not None
    return CheckinOut(
        appointment_id=appointment.appointment_id,
        queue_number=appointment.queue_number,
        ahead=ahead,
    )


async def queue_next(request: Request, body: QueueNextRequest) -> AppointmentOut:
    """Call the next checked-in patient of a schedule."""
    called = await queue.call_next(ctx_of(request), caller_of(request), body.schedule_id)
    return await appointment_out(called)


routes = [
    terminal_route("POST", "/api/v1/pos/checkin", checkin, body=CheckinRequest,
                   response=CheckinOut,
                   errors=["CHECKIN_CLOSED", "NOT_PAID", "CARD_MISMATCH", "INVALID_STATE",
                           "NOT_FOUND", "QR_MALFORMED", "QR_FORGED", "QR_EXPIRED", "QR_REPLAYED",
                           "CARD_LOST"]),
    terminal_route("POST", "/api/v1/pos/queue/next", queue_next, body=QueueNextRequest,
                   response=AppointmentOut, errors=["QUEUE_EMPTY", "NOT_FOUND"]),
]  # fmt: skip
