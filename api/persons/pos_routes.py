"""The terminals' door of the master index: find this institution's own patient."""

from __future__ import annotations

from api.persons import service
from api.persons.schemas import LookupOut, LookupRequest
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import Request


async def lookup_identifier(request: Request, body: LookupRequest) -> LookupOut:
    """The card and patient id this institution holds for an identifier (404 otherwise)."""
    card_id, patient_id = await service.lookup_for_terminal(
        ctx_of(request), caller_of(request), body.system, body.value
    )
    return LookupOut(card_id=card_id, patient_id=patient_id)


routes = [
    terminal_route("POST", "/api/v1/pos/identifiers/lookup", lookup_identifier,
                   body=LookupRequest, response=LookupOut, errors=["NOT_FOUND"]),
]  # fmt: skip
