"""Bounded input types: every integer, string, date and time zone a request may carry.

One validation layer for the whole API. Each request shape (``<area>/schemas.py``) and each
path parameter (:data:`PATH_PARAMETERS`) is typed with these, and the same bounds are what
/openapi.json publishes, since the JSON schema is generated from the same ``Field``s:

- ids fit their column (``BIGINT``: 1 … 2^63-1; ``INTEGER``: 1 … 2^31-1);
- amounts are whole fen within an ``INTEGER`` column;
- strings fit their column and hold no control character (NUL included: PostgreSQL refuses
  it in text) and no bidirectional override (U+202A–U+202E, U+2066–U+2069), which would let a
  name display reversed at the counter;
- dates lie between 1900 and 2199, so day arithmetic never leaves ``datetime``'s range;
- time zones are IANA names that :mod:`zoneinfo` knows.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

# Character classes, written so that Python's, Rust's (pydantic-core) and ECMA's regex engines
# read them alike: /openapi.json publishes them as they are.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
_BIDI = r"\u202a-\u202e\u2066-\u2069"
LINE_PATTERN = rf"^[^{_CONTROLS}{_BIDI}]*$"
TEXT_PATTERN = rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]*$"  # tab and newlines allowed
KEY_PATTERN = r"^[\x21-\x2e\x30-\x7e]+$"  # printable ASCII, no space, no slash

Id = Annotated[int, Field(ge=1, le=BIGINT_MAX, description="an id (64-bit)")]
Id32 = Annotated[int, Field(ge=1, le=INT_MAX, description="an id (32-bit)")]
Fen = Annotated[int, Field(ge=0, le=INT_MAX, description="fen")]
PositiveFen = Annotated[int, Field(ge=1, le=INT_MAX, description="fen")]
Day = Annotated[
    date,
    Field(
        ge=FIRST_DAY,
        le=LAST_DAY,
        # the same bounds as a pattern, which JSON schema can state for a date
        json_schema_extra={"pattern": r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$"},
    ),
]


def line(max_length: int, min_length: int = 1, **extra: Any) -> Any:
    """A single-line text of at most ``max_length`` characters: names, codes, reasons."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length, pattern=LINE_PATTERN, **extra)
    ]


def text(max_length: int, min_length: int = 1, **extra: Any) -> Any:
    """A free text that may span lines (tabs and newlines are its only controls)."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN, **extra)
    ]


def key(max_length: int, min_length: int = 1, **extra: Any) -> Any:
    """An opaque reference (ids we hand out, codes, app ids): printable ASCII, no space or
    slash, so that it is one path segment as it is."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length, pattern=KEY_PATTERN, **extra)
    ]


ZONES = frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in ZONES:
        raise ValueError("not an IANA time zone")
    return name


TimeZone = Annotated[
    str,
    Field(
        max_length=64,
        description="an IANA time zone, e.g. Asia/Shanghai",
        json_schema_extra={"enum": sorted(ZONES)},
    ),
    AfterValidator(_known_zone),
]

# Every path parameter of the API, by name: ``api_route`` validates each against its type
# (a value outside it names nothing: 404) and /openapi.json publishes the same type.
PATH_PARAMETERS: dict[str, Any] = {
    "app_id": key(64),
    "appointment_id": key(24),
    "bill_id": key(24),
    "binding_id": Id,
    "card_id": key(64),
    "channel": key(16),
    "charge_id": key(32),
    "client_id": key(64),
    "consent_id": Id,
    "department_id": Id,
    "discrepancy_id": Id32,
    "doctor_id": Id,
    "entry_id": Id,
    "event": key(32),
    "hospital_code": key(32),
    "institution_code": key(32),
    "merge_id": key(24),
    "message_id": Id,
    "patient_id": key(32),
    "payment_id": key(32),
    "person_id": key(24),
    "region_code": key(6),
    "report_id": key(24),
    "schedule_id": Id,
    "terminal_id": key(64),
    "username": key(64),
}
_ADAPTERS = {name: TypeAdapter(kind) for name, kind in PATH_PARAMETERS.items()}


class BadPathParameter(ValueError):
    """A path parameter outside its type: it names nothing."""


def path_value(name: str, raw: str) -> Any:
    """``raw`` as the path parameter ``name``'s type, or :class:`BadPathParameter`."""
    adapter = _ADAPTERS[name]
    try:
        return adapter.validate_python(raw, strict=False)
    except ValidationError as exc:
        raise BadPathParameter(name) from exc


def path_schema(name: str) -> dict[str, Any]:
    """The JSON schema /openapi.json publishes for a path parameter."""
    return _ADAPTERS[name].json_schema()
