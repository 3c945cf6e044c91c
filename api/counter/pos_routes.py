"""The counter's door (terminals, scope ``pos``): cards issued from an ID document, printed
static codes, loss reports on the holder's behalf, same-day registration and charges of the
patient's payment code (API.md "The hospital counter and the HIS")."""

from __future__ import annotations

from api.appointments.schemas import AppointmentOut
from api.appointments.views import appointment_out
from api.cards.service import HeldCard
from api.cards.views import card_out
from api.context import AppContext
from api.counter import charges, issuing, loss, printed_code, registration, waiting_list
from api.counter.schemas import (
    CardStatusOut,
    ChargeOut,
    ChargeRequest,
    CounterCardOut,
    CounterCardRequest,
    HolderProofRequest,
    RegistrationRequest,
    StaticCodeQuery,
    WaitingListOut,
    WaitingListQuery,
    WaitingPatientOut,
)
from api.timefmt import local
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import JSONResponse, Request, Response

ISSUE_ERRORS = ["INVALID_ID_NUMBER", "REALNAME_MISMATCH", "BLACKLISTED", "VALIDATION_ERROR"]


async def issue_card(request: Request, body: CounterCardRequest) -> Response:
    """Issue a card to the person whose ID document was presented at this counter (201), or
    return the card they already hold (200): one person, one card."""
    ctx = ctx_of(request)
    card, _, issued, patient_id = await issuing.issue_at_counter(ctx, caller_of(request), body)
    shown = card_out(ctx, HeldCard(card, "self"))
    out = CounterCardOut(**shown.model_dump(), issued=issued, patient_id=patient_id)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if issued else 200)


async def static_code(request: Request, query: StaticCodeQuery) -> Response:
    """The card's static code, printable: a PDF page (or SVG) with the QR code, the holder's
    masked name and the issuer."""
    code = await printed_code.printable(
        ctx_of(request), caller_of(request), request.path_params["card_id"]
    )
    if query.format == "svg":
        return Response(printed_code.svg(code), media_type="image/svg+xml")
    return Response(printed_code.pdf(code), media_type="application/pdf")


async def report_loss(request: Request, body: HolderProofRequest) -> CardStatusOut:
    """Report a card lost on its holder's behalf (the holder shows the ID document the card
    was issued to)."""
    card = await loss.report_loss_for_holder(
        ctx_of(request), caller_of(request), request.path_params["card_id"], body.id_type,
        body.id_number,
    )  # fmt: skip
    return CardStatusOut(card_id=card.card_id, status=card.status)


async def register(request: Request, body: RegistrationRequest) -> AppointmentOut:
    """Register the patient whose code was scanned for today's schedule (same-day
    registration): ``booked``, or ``pending_payment`` when the schedule has a fee."""
    made = await registration.register_today(
        ctx_of(request), caller_of(request), body.qr, body.schedule_id
    )
    return await appointment_out(made)


async def cancel_registration(request: Request) -> AppointmentOut:
    """Cancel a booking of this hospital before the visit (退号): its place returns to the
    pool, and what was paid for it, at the counter or online, is refunded in full (the refund
    may finish after the answer)."""
    cancelled = await registration.cancel_at_counter(
        ctx_of(request), caller_of(request), request.path_params["appointment_id"]
    )
    return await appointment_out(cancelled)


async def department_queue(request: Request, query: WaitingListQuery) -> WaitingListOut:
    """The waiting list of one department of this hospital for a day (today unless `date` is
    given): who is waiting to pay, booked but not checked in, checked in (with queue number and
    how many are ahead) and called, in the order the counter deals with them. Names are
    masked."""
    found = await waiting_list.waiting_list(
        ctx_of(request), caller_of(request), query.department_id, query.date
    )
    tz = found.department.hospital.timezone
    patients = [
        WaitingPatientOut(
            appointment_id=p.appointment.appointment_id,
            status=p.appointment.status,  # type: ignore[arg-type]
            name_masked=p.name_masked,
            patient_id=p.patient_id,
            schedule_id=p.appointment.schedule_id,  # type: ignore[attr-defined]
            doctor_name=p.appointment.schedule.doctor.name,
            period=p.appointment.schedule.period,
            room=p.appointment.schedule.room,
            slot_start=local(p.appointment.slot.start, tz),
            queue_number=p.appointment.queue_number,
            ahead=p.ahead,
            fee=p.appointment.fee,
        )  # fmt: skip
        for p in found.patients
    ]
    return WaitingListOut(
        department_id=found.department.id, department_name=found.department.name,
        date=found.day, waiting=sum(p.status == "checked_in" for p in patients),
        patients=patients,
    )  # fmt: skip


def _charge_out(ctx: AppContext, found: charges.Charge) -> ChargeOut:
    record, payment = found.record, found.payment
    return ChargeOut(
        charge_id=record.charge_id, method=record.method, status=found.status,  # type: ignore[arg-type]
        amount=payment.amount, subject=payment.subject, appointment_id=record.appointment_id,
        bill_id=record.bill_id, reason=record.reason,
        created_at=local(record.created_at, ctx.settings.timezone),
    )  # fmt: skip


async def create_charge(request: Request, body: ChargeRequest) -> ChargeOut:
    """Charge the patient's scanned WeChat or Alipay payment code (the platform is told by the
    code's prefix) for one of this hospital's bookings waiting for payment (``appointment_id``)
    or unpaid HIS bills (``bill_id``), for exactly its amount (400 ``AMOUNT_MISMATCH``
    otherwise; 409 ``NOT_PAYABLE`` when it is paid, cancelled or being paid). Waits while the
    payer confirms on their phone; an order not confirmed in time is reversed, so the answer is
    ``paid`` or ``failed`` (``paying`` only when even the reversal could not be made: read the
    charge again). A bill paid here is paid as in the mini-program: ``bill_paid`` goes to the
    hospital's webhook."""
    ctx = ctx_of(request)
    return _charge_out(ctx, await charges.charge(ctx, caller_of(request), body))


async def get_charge(request: Request) -> ChargeOut:
    """A charge of this institution (one still paying is asked about at the platform)."""
    ctx = ctx_of(request)
    found = await charges.charge_of(ctx, caller_of(request), request.path_params["charge_id"])
    return _charge_out(ctx, found)


async def reverse_charge(request: Request) -> ChargeOut:
    """Take a charge back: reversed at the platform while paying, refunded in full once paid
    (the registration it paid is cancelled; the bill it paid is refunded, every item)."""
    ctx = ctx_of(request)
    found = await charges.reverse(ctx, caller_of(request), request.path_params["charge_id"])
    return _charge_out(ctx, found)


CARD = "/api/v1/pos/cards/{card_id}"
CHARGE = "/api/v1/pos/charges/{charge_id}"
CHARGE_ERRORS = ["VALIDATION_ERROR", "NOT_FOUND", "NOT_PAYABLE", "AMOUNT_MISMATCH", "CONFLICT",
                 "METHOD_UNAVAILABLE"]  # fmt: skip
REGISTER_ERRORS = ["NOT_FOUND", "BOOKING_CLOSED", "SLOT_FULL", "DUPLICATE_BOOKING",
                   "SCHEDULE_STOPPED", "BOOKING_SUSPENDED", "QR_MALFORMED", "QR_FORGED",
                   "QR_EXPIRED", "QR_REPLAYED", "CARD_LOST", "CARD_FROZEN",
                   "CARD_CANCELLED"]  # fmt: skip
routes = [
    terminal_route("POST", "/api/v1/pos/cards", issue_card, body=CounterCardRequest,
                   response=CounterCardOut, status=201, tags=["counter"], errors=ISSUE_ERRORS),
    terminal_route("GET", CARD + "/static-code", static_code, query=StaticCodeQuery,
                   tags=["counter"],
                   errors=["NOT_FOUND", "CARD_LOST", "CARD_FROZEN", "CARD_CANCELLED"]),
    terminal_route("POST", CARD + "/loss", report_loss, body=HolderProofRequest,
                   response=CardStatusOut, tags=["counter"],
                   errors=["NOT_FOUND", "INVALID_STATE", "INVALID_ID_NUMBER"]),
    terminal_route("POST", "/api/v1/pos/registrations", register, body=RegistrationRequest,
                   response=AppointmentOut, status=201, tags=["counter"],
                   errors=REGISTER_ERRORS),
    terminal_route("POST", "/api/v1/pos/registrations/{appointment_id}/cancel",
                   cancel_registration, response=AppointmentOut, tags=["counter"],
                   errors=["NOT_FOUND", "INVALID_STATE", "UPSTREAM_ERROR"]),
    terminal_route("GET", "/api/v1/pos/queue", department_queue, query=WaitingListQuery,
                   response=WaitingListOut, tags=["counter"], errors=["NOT_FOUND"]),
    terminal_route("POST", "/api/v1/pos/charges", create_charge, body=ChargeRequest,
                   response=ChargeOut, status=201, tags=["counter"], errors=CHARGE_ERRORS),
    terminal_route("GET", CHARGE, get_charge, response=ChargeOut, tags=["counter"],
                   errors=["NOT_FOUND"]),
    terminal_route("POST", CHARGE + "/reverse", reverse_charge, response=ChargeOut,
                   tags=["counter"],
                   errors=["NOT_FOUND", "INVALID_STATE", "REFUND_EXCEEDS_PAID", "UPSTREAM_ERROR"]),
]  # fmt: skip
