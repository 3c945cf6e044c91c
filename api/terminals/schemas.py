"""Shapes of terminal verification, check-in and terminal administration."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from api.bounds import key, line
from api.schemas import Body, Out
from api.terminals.scenes import MEDSTEP_CODES

# A scene name or a national medical-step code (``scenes.medstep_code``), as published.
Scene = Annotated[str, Field(pattern=rf"^({'|'.join(MEDSTEP_CODES)}|[0-9]{{6,7}})$", max_length=16)]
TerminalKind = Literal["counter", "kiosk", "doctor", "pharmacy", "lab", "imaging", "inpatient"]


class VerifyRequest(Body):
    qr: line(512)
    scene: Scene = "registration"
    with_identity: bool = Field(
        default=False, description="Answer the full identity too (audited as an identity read)"
    )


class IdentityOut(Out):
    name: str
    id_type: str
    id_number: str
    birth_date: date | None
    phone_masked: str | None


class VerifiedCardOut(Out):
    card_id: str
    issuer: str
    name_masked: str
    gender: str = Field(description='GB/T 2261.1: "1" male, "2" female, "0" unknown')
    age: int | None
    id_number_masked: str
    status: str
    kind: str = Field(
        default="standard",
        description="standard; temporary (issued at a counter without a document: ask for one "
        "and bind it); newborn (a baby's card, no ID number yet)",
    )
    name: str | None = Field(
        default=None, description="In full: only for a new patient record or with_identity"
    )
    identity: IdentityOut | None = Field(
        default=None, description="Only for a new patient record or with_identity"
    )


class VerifiedOut(VerifiedCardOut):
    patient_id: str
    new_patient: bool = Field(description="true when this scan created the patient record")


class PhysicalCardRequest(Body):
    """The holder data the counter read from a chip card (DDF1/EF05 and EF06)."""

    name: line(64)
    id_type: key(2, min_length=2) = "01"
    id_number: key(32)
    card_issuer_code: key(32)
    chip_serial: key(64)
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    scene: Scene = "registration"


class PhysicalCardOut(VerifiedOut):
    issued: bool = Field(description="true when the e-card was issued by this link")


class PeerVerifyRequest(Body):
    qr: line(512)
    scene: Scene = "registration"
    institution_code: key(32)
    terminal_id: key(64)
    with_identity: bool = False


class PeerVerifiedOut(VerifiedCardOut):
    pass


class TerminalCreate(Body):
    name: line(128)
    institution_code: key(32)
    kind: TerminalKind = "counter"


class TerminalOut(Out):
    terminal_id: str
    name: str
    institution_code: str
    kind: str
    channel_code: str
    status: str
    created_at: datetime
    terminal_secret: str | None = Field(default=None, description="Shown once")


class TerminalList(Out):
    terminals: list[TerminalOut]
