"""Shapes of temporary cards at the counter: issued from name, gender and age, bound later to
the holder's real card."""

from __future__ import annotations

from pydantic import Field

from api.bounds import line
from api.cards.schemas import GENDER_DESCRIPTION, Gender
from api.counter.schemas import CounterCardOut, CounterCardRequest, DocumentSource
from api.schemas import Body, Out


class TemporaryCardRequest(Body):
    name: line(64, description="as known, or a placeholder such as 无名氏")
    gender: Gender = Field(description=GENDER_DESCRIPTION)
    age: int = Field(ge=0, le=150, description="whole years, as the clerk estimates them")


class TemporaryBindRequest(CounterCardRequest):
    """The holder's ID document, read at the counter (the proof, as for a counter issuance)."""

    document_source: DocumentSource = Field(
        default="id_reader",
        description="id_reader: read from the document's chip at the counter (the proof); "
        "manual: typed by the clerk (the identity register is asked)",
    )


class MovedRecordOut(Out):
    institution_code: str
    patient_id: str
    moved: bool = Field(
        description="false: the person's card had a record at that institution already; the "
        "hospital joins its two files"
    )


class TemporaryBindOut(CounterCardOut):
    """The holder's card, with what it took over from the temporary card."""

    temporary_card_id: str
    patient_records: list[MovedRecordOut]
    bills: int = Field(description="bills moved to the holder's card")
    appointments: int = Field(description="registrations and bookings moved")
    reports: int = Field(description="reports moved")
