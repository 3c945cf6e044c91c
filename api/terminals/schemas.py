"""Shapes of terminal verification, check-in and terminal administration."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.schemas import Body, Out

TerminalKind = Literal["counter", "kiosk", "doctor", "pharmacy", "lab", "imaging", "inpatient"]


class VerifyRequest(Body):
    qr: str = Field(min_length=1, max_length=512)
    scene: str = Field(default="registration", min_length=1, max_length=16)


class VerifiedOut(Out):
    card_id: str
    issuer: str
    name: str
    gender: str
    birth_date: date | None
    id_number_masked: str
    status: str
    patient_id: str


class PhysicalCardRequest(Body):
    """The holder data the counter read from a chip card (DDF1/EF05 and EF06)."""

    name: str = Field(min_length=1, max_length=64)
    id_type: str = Field(default="01", min_length=2, max_length=2)
    id_number: str = Field(min_length=1, max_length=32)
    card_issuer_code: str = Field(min_length=1, max_length=32)
    chip_serial: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    scene: str = Field(default="registration", min_length=1, max_length=16)


class PhysicalCardOut(VerifiedOut):
    issued: bool = Field(description="true when the e-card was issued by this link")


class PeerVerifyRequest(Body):
    qr: str = Field(min_length=1, max_length=512)
    scene: str = Field(default="registration", max_length=16)
    institution_code: str = Field(min_length=1, max_length=32)
    terminal_id: str = Field(min_length=1, max_length=64)


class PeerVerifiedOut(Out):
    card_id: str
    issuer: str
    name: str
    gender: str
    birth_date: date | None
    id_number_masked: str
    status: str


class TerminalCreate(Body):
    name: str = Field(min_length=1, max_length=128)
    institution_code: str = Field(min_length=1, max_length=32)
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


class QrSettings(Body):
    lifetime: int = Field(ge=5, le=120, description="Dynamic code lifetime in seconds")


class QrSettingsOut(Out):
    lifetime: int
