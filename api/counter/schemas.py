"""Shapes of the hospital counter's work: cards issued from an ID document, printed codes,
same-day registration and charges of the patient's payment code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.bounds import Day, Id, PositiveFen, key, line
from api.cards.schemas import CARD_KIND_DESCRIPTION, ID_TYPE_PATTERN, PHONE_PATTERN
from api.schemas import Body, Out

DocumentSource = Literal["id_reader", "manual"]


class CounterCardRequest(Body):
    name: line(64)
    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    document_source: DocumentSource = Field(
        description="id_reader: read from the document's chip at the counter (the proof); "
        "manual: typed by the clerk (the identity register is asked, and the entry recorded)"
    )


class CounterCardOut(Out):
    card_id: str
    issuer: str
    status: str
    kind: str = Field(description=CARD_KIND_DESCRIPTION)
    name_masked: str
    id_number_masked: str
    relation: str
    display_mode: str
    created_at: datetime
    issued: bool = Field(description="true: issued now; false: the person's existing card")
    patient_id: str


class StaticCodeQuery(Body):
    format: Literal["pdf", "svg"] = "pdf"


class HolderProofRequest(Body):
    """The holder's ID document, shown at the counter, proving the card is theirs."""

    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)


class RegistrationRequest(Body):
    qr: line(512)
    schedule_id: Id


class ChargeRequest(Body):
    auth_code: str = Field(
        pattern=r"^\d{16,24}$", description="the patient's payment code, as scanned"
    )
    amount: PositiveFen
    subject: line(128)
    appointment_id: key(24) | None = None
    bill_id: key(32) | None = None


class ChargeOut(Out):
    charge_id: str
    method: str
    status: Literal["paying", "paid", "failed", "reversed", "refunded"]
    amount: int
    subject: str
    appointment_id: str | None
    bill_id: str | None
    reason: str | None = Field(description="why it failed or was reversed, for the clerk")
    created_at: datetime


class CardStatusOut(Out):
    card_id: str
    status: str


class WaitingListQuery(Body):
    department_id: Id
    date: Day | None = Field(
        default=None, description="the hospital's local date; today if left out"
    )


class WaitingPatientOut(Out):
    appointment_id: str
    status: Literal["called", "checked_in", "booked", "pending_payment"]
    name_masked: str
    patient_id: str | None = Field(description="this hospital's patient id (none before first use)")
    schedule_id: int
    doctor_name: str
    period: str
    room: str
    slot_start: datetime
    queue_number: int | None
    ahead: int | None = Field(description="checked-in patients before this one (checked in only)")
    fee: int = Field(description="fen")


class WaitingListOut(Out):
    department_id: int
    department_name: str
    date: date
    waiting: int = Field(description="checked in and not yet called")
    patients: list[WaitingPatientOut]
