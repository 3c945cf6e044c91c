"""The counter's door to temporary cards (terminals, scope ``pos``): issued from name, gender
and age for a patient without papers, bound later to the holder's real card (API.md "The
master index and the platform above")."""

from __future__ import annotations

from api.cards.service import HeldCard
from api.cards.views import card_out
from api.counter import temporary
from api.counter.schemas import CounterCardOut
from api.counter.temporary_schemas import (
    MovedRecordOut,
    TemporaryBindOut,
    TemporaryBindRequest,
    TemporaryCardRequest,
)
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import JSONResponse, Request, Response


async def issue_temporary_card(request: Request, body: TemporaryCardRequest) -> Response:
    """Issue a temporary card (`kind: "temporary"`) to a patient who cannot show a document,
    unconscious or without papers, from the name as known, gender (GB/T 2261.1) and estimated
    age. This institution's patient id comes with it, so the HIS can file the patient at once;
    the card's printable code is `GET /api/v1/pos/cards/{card_id}/static-code`. Bind it to the
    person's real card once their document is read."""
    ctx = ctx_of(request)
    card, patient_id = await temporary.issue_temporary(ctx, caller_of(request), body)
    shown = card_out(ctx, HeldCard(card, "self"))
    out = CounterCardOut(**shown.model_dump(), issued=True, patient_id=patient_id)
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


async def bind_temporary_card(request: Request, body: TemporaryBindRequest) -> TemporaryBindOut:
    """Bind a temporary card issued at this institution to the card of the person whose ID
    document is read now (found, or issued as at `POST /api/v1/pos/cards`, the document being
    the proof). Its patient ids, bills, registrations and reports move to that card; a patient
    record at an institution where the person already has one stays behind (`moved: false`).
    The temporary card is cancelled; binding it again is `INVALID_STATE`."""
    ctx = ctx_of(request)
    bound = await temporary.bind_temporary(
        ctx, caller_of(request), request.path_params["card_id"], body
    )
    shown = card_out(ctx, HeldCard(bound.card, "self"))
    return TemporaryBindOut(
        **shown.model_dump(), issued=bound.issued, patient_id=bound.patient_id,
        temporary_card_id=bound.temporary_card_id, bills=bound.bills,
        appointments=bound.appointments, reports=bound.reports,
        patient_records=[MovedRecordOut(institution_code=r.institution_code,
                                        patient_id=r.patient_id, moved=r.moved)
                         for r in bound.patient_records],
    )  # fmt: skip


TEMPORARY = "/api/v1/pos/temporary-cards"
routes = [
    terminal_route("POST", TEMPORARY, issue_temporary_card, body=TemporaryCardRequest,
                   response=CounterCardOut, status=201, tags=["counter"],
                   errors=["VALIDATION_ERROR"]),
    terminal_route("POST", TEMPORARY + "/{card_id}/bind", bind_temporary_card,
                   body=TemporaryBindRequest, response=TemporaryBindOut, tags=["counter"],
                   errors=["NOT_FOUND", "INVALID_STATE", "INVALID_ID_NUMBER",
                           "REALNAME_MISMATCH", "BLACKLISTED", "VALIDATION_ERROR",
                           "UPSTREAM_UNAVAILABLE"]),
]  # fmt: skip
