"""Shapes of the master index."""

from __future__ import annotations

from pydantic import Field

from api.bounds import key, line
from api.cards.schemas import AdminCardOut
from api.schemas import Body, Out


class PersonQuery(Body):
    id_type: str = Field(pattern=r"^(0[1-8]|99)$", description="WS 364 document type")
    id_number: key(32, min_length=4)


class Identifier(Out):
    system: str = Field(description="id:<id_type>, ehc, chip, patient:<institution>, channel:<app>")
    value: str


class PersonOut(Out):
    person_id: str
    identifiers: list[Identifier]
    cards: list[AdminCardOut]


class MergeRequest(Body):
    other_person_id: key(24)
    reason: line(255)


class MergeOut(Out):
    merge_id: str
    person_id: str
    other_person_id: str
    undone: bool


class LookupRequest(Body):
    system: key(64)
    value: key(64)


class LookupOut(Out):
    card_id: str
    patient_id: str
