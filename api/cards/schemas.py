"""Shapes of real-name collection, cards and their lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from api.bounds import Day, key, line
from api.schemas import Body, Out

Relation = Literal["self", "child", "parent", "spouse", "other"]
PHONE_PATTERN = r"^1[3-9]\d{9}$"
# Identity document codes (WS 364 and the national list of DOMAIN.md: 08 is the foreigner's
# permanent residence card); :mod:`api.cards.id_numbers` checks each number's format.
ID_TYPE_PATTERN = r"^(0[1-8]|99)$"


class OtpRequest(Body):
    phone: str = Field(pattern=PHONE_PATTERN, description="Mainland mobile number, 11 digits")


class OtpOut(Out):
    expires_in: int


Gender = Literal["0", "1", "2", "9"]
GENDER_DESCRIPTION = 'GB/T 2261.1: "1" male, "2" female, "0" unknown, "9" unspecified'


class NewbornRequest(Body):
    """A child without an ID number yet, as the guardian gives it."""

    name: line(64)
    gender: Gender = Field(description=GENDER_DESCRIPTION)
    birth_date: Day


class CollectRequest(Body):
    """One proof comes with it: ``otp`` (the SMS code sent to ``phone``) or ``face_session``
    (a passed face check of this person). With ``newborn`` instead of ``name`` and
    ``id_number``, a guardian holding a card collects a newborn's card (``relation: child``)
    and the proof is the guardian's own: the SMS code sent to the guardian's phone on record
    (``phone`` + ``otp``) or a face check of the guardian."""

    name: line(64) | None = None
    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4) | None = None
    phone: str | None = Field(
        default=None,
        pattern=PHONE_PATTERN,
        description="Receives the OTP; kept as the card's phone on record",
    )
    otp: str | None = Field(default=None, pattern=r"^\d{6}$")
    face_session: key(64) | None = Field(
        default=None, description="A passed face check (POST /api/v1/realname/face), once"
    )
    relation: Relation = "self"
    newborn: NewbornRequest | None = Field(
        default=None, description="a child without an ID number yet (a newborn card)"
    )

    @model_validator(mode="after")
    def _one_holder(self) -> CollectRequest:
        if self.newborn is None and (self.name is None or self.id_number is None):
            raise ValueError("name and id_number are required (or newborn)")
        if self.newborn is not None and (self.name or self.id_number):
            raise ValueError("a newborn card takes newborn, not name and id_number")
        if self.newborn is not None and self.relation != "child":
            raise ValueError('a newborn card is collected with relation "child"')
        return self


class IdentityUpgradeRequest(Body):
    """The ID number a newborn card's child has been given."""

    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)


class FaceRequest(Body):
    name: line(64)
    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)


class FaceOut(Out):
    face_session: str
    expires_in: int


class BindingOut(Out):
    binding_id: int
    channel: str | None = Field(description="wechat, alipay or inhouse: where that account is")
    since: datetime
    current: bool = Field(description="true for this session's own binding")


class BindingList(Out):
    bindings: list[BindingOut]


CARD_KIND_DESCRIPTION = (
    "standard; temporary (issued at a counter without a document, bound later); newborn "
    "(collected by a guardian before the child has an ID number)"
)


class CardOut(Out):
    card_id: str
    issuer: str
    status: str
    kind: str = Field(description=CARD_KIND_DESCRIPTION)
    name_masked: str
    id_number_masked: str
    relation: str
    display_mode: str
    created_at: datetime


class CardList(Out):
    cards: list[CardOut]


class DisplayRequest(Body):
    mode: Literal["dynamic", "static"]


class ReasonRequest(Body):
    reason: line(255, min_length=0) | None = None


class CardEventOut(Out):
    action: str
    from_status: str | None
    to_status: str | None
    actor_type: str
    actor_id: str
    reason: str | None
    at: datetime


class CardEventList(Out):
    events: list[CardEventOut]


class BlacklistRequest(Body):
    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)
    reason: line(255)


class BlacklistOut(Out):
    id: int
    id_type: str
    reason: str
    region_code: str | None = None
    created_by: str
    created_at: datetime


class BlacklistList(Out):
    entries: list[BlacklistOut]


class CardLookupRequest(Body):
    id_type: str = Field(default="01", pattern=ID_TYPE_PATTERN)
    id_number: key(32, min_length=4)


class AdminCardOut(Out):
    card_id: str
    issuer: str
    status: str
    kind: str = Field(description=CARD_KIND_DESCRIPTION)
    name_masked: str
    id_number_masked: str
    display_mode: str
    bindings: int
    region_code: str | None = None
    institution_code: str | None = None
    created_at: datetime


class QrQuery(Body):
    mode: Literal["dynamic", "static"] | None = None
    format: Literal["json", "svg"] = "json"
    with_svg: bool = Field(default=False, description="JSON answer also carries the SVG image")


class QrOut(Out):
    payload: str
    svg: str | None = None
    mode: str
    expires_at: datetime | None
    refresh_in: int | None


class QrSettings(Body):
    lifetime: int = Field(ge=5, le=120, description="Dynamic code lifetime in seconds")


class QrSettingsOut(Out):
    lifetime: int


class AdminCardQuery(Body):
    """``?status=lost&region=3301``: cards in a lifecycle status, of residents of a region."""

    status: Literal["active", "lost", "frozen", "cancelled"] | None = None
    region: str | None = Field(default=None, pattern=r"^\d{2,6}$", max_length=6)
    limit: int = Field(default=200, ge=1, le=1000)


class AdminCardList(Out):
    cards: list[AdminCardOut]
