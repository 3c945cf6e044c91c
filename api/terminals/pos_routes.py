"""The terminals' door: ``/pos`` for counters, kiosks and doctor stations (verify a code, link
a chip card) and ``/peer`` for other card centres (verify one of our codes)."""

from __future__ import annotations

from api.cards.physical import ChipHolder
from api.terminals import service
from api.terminals.schemas import (
    PeerVerifiedOut,
    PeerVerifyRequest,
    PhysicalCardOut,
    PhysicalCardRequest,
    VerifiedOut,
    VerifyRequest,
)
from api.timefmt import today
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import terminal_route
from api.web.http import Request

VERIFY_ERRORS = [
    "QR_MALFORMED", "QR_FORGED", "QR_EXPIRED", "QR_REPLAYED", "CARD_LOST", "CARD_FROZEN",
    "CARD_CANCELLED", "PEER_UNAVAILABLE", "UNKNOWN_ISSUER", "TOO_MANY_REQUESTS",
]  # fmt: skip


async def verify(request: Request, body: VerifyRequest) -> dict[str, object]:
    """Verify a scanned health-card code; returns who it is (masked, with age), this hospital's
    patient id and whether this scan created it. The full identity comes along for a new patient
    record, or with ``with_identity`` (audited)."""
    ctx = ctx_of(request)
    found = await service.verify_at_terminal(
        ctx, caller_of(request), body.qr, body.scene, with_identity=body.with_identity
    )
    # The VerifiedOut shape, built directly: this is the busiest answer of the API.
    return {
        **found.card.to_dict(today(ctx.settings.timezone)),
        "patient_id": found.patient_id,
        "new_patient": found.new_patient,
    }


async def link_physical_card(request: Request, body: PhysicalCardRequest) -> PhysicalCardOut:
    """Identify the holder of a chip health card read at the counter and link the chip to
    their e-card, issuing the e-card if they have none (no new real-name check: the chip card
    was issued in person)."""
    chip = ChipHolder(
        name=body.name,
        id_type=body.id_type,
        id_number=body.id_number,
        card_issuer_code=body.card_issuer_code,
        chip_serial=body.chip_serial,
        phone=body.phone,
    )
    ctx = ctx_of(request)
    found, issued = await service.link_physical_card(ctx, caller_of(request), chip, body.scene)
    answer = found.card.to_dict(today(ctx.settings.timezone))
    answer.pop("identity", None)  # the counter has it from the chip: the name is enough
    return PhysicalCardOut(
        **answer, patient_id=found.patient_id, new_patient=found.new_patient, issued=issued
    )


async def peer_verify(request: Request, body: PeerVerifyRequest) -> PeerVerifiedOut:
    """Verify (for a peer card centre) one of our codes scanned at one of your terminals."""
    ctx = ctx_of(request)
    card = await service.verify_for_peer(
        ctx, caller_of(request), body.qr, body.scene, body.institution_code, body.terminal_id,
        with_identity=body.with_identity,
    )  # fmt: skip
    return PeerVerifiedOut(**card.to_dict(today(ctx.settings.timezone)))


routes = [
    terminal_route("POST", "/api/v1/pos/verify", verify, body=VerifyRequest,
                   response=VerifiedOut, fold_auth=True, errors=VERIFY_ERRORS),
    terminal_route("POST", "/api/v1/pos/physical-cards", link_physical_card,
                   body=PhysicalCardRequest, response=PhysicalCardOut,
                   errors=["VALIDATION_ERROR", "BLACKLISTED", "REALNAME_MISMATCH",
                           "PHYSICAL_CARD_CONFLICT", "CARD_LOST", "CARD_FROZEN",
                           "CARD_CANCELLED"]),
    terminal_route("POST", "/api/v1/peer/verify", peer_verify, body=PeerVerifyRequest,
                   response=PeerVerifiedOut, scope="peer", errors=VERIFY_ERRORS),
]  # fmt: skip
