"""The card centre's door of the master index: look a person up, merge two, undo a merge."""

from __future__ import annotations

from api.cards.views import admin_card_out
from api.persons import service
from api.persons.models import PersonMerge
from api.persons.schemas import Identifier, MergeOut, MergeRequest, PersonOut, PersonQuery
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


def _merge_out(done: PersonMerge) -> MergeOut:
    return MergeOut(merge_id=done.merge_id, person_id=done.survivor_id,
                    other_person_id=done.other_id, undone=done.undone_at is not None)  # fmt: skip


async def find_person(request: Request, query: PersonQuery) -> PersonOut:
    """The master person holding an identity document, with every identifier and card."""
    ctx = ctx_of(request)
    found = await service.find(ctx, caller_of(request), query.id_type, query.id_number)
    return PersonOut(
        person_id=found.person_id,
        identifiers=[Identifier(**i) for i in found.identifiers],
        cards=[await admin_card_out(ctx, card) for card in found.cards],
    )


async def merge_person(request: Request, body: MergeRequest) -> MergeOut:
    """File another person found to be this one under this one (audited, undoable)."""
    done = await service.merge(
        caller_of(request), request.path_params["person_id"], body.other_person_id, body.reason
    )
    return _merge_out(done)


async def undo_merge(request: Request) -> MergeOut:
    """Undo a merge: every identifier back under the person it was (audited)."""
    return _merge_out(await service.undo_merge(caller_of(request), request.path_params["merge_id"]))


routes = [
    admin_route("GET", "/api/v1/admin/persons", find_person, query=PersonQuery,
                response=PersonOut, errors=["NOT_FOUND", "INVALID_ID_NUMBER"]),
    admin_route("POST", "/api/v1/admin/persons/{person_id}/merge", merge_person,
                body=MergeRequest, response=MergeOut, errors=["NOT_FOUND"]),
    admin_route("POST", "/api/v1/admin/merges/{merge_id}/undo", undo_merge,
                response=MergeOut, errors=["NOT_FOUND", "INVALID_STATE"]),
]  # fmt: skip
