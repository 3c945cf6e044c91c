"""Bringing a hospital's existing patients onto the card (``ehc patients import FILE`` and
the admin upload).

Rows stream in (CSV columns ``name, id_type, id_number, phone, institution_code,
patient_id``) and are taken in batches: each good row becomes the person's card (pending
activation unless they already hold one) linked to the hospital's patient id, and counted in
the region a channel's card would be (the ID number's; else the hospital's: see
``api.cards.pending``). Every bad row is reported with its line and the good ones are kept.
A re-run changes nothing: people, cards and links are found by blind index and patient id,
never made twice.
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from api import policy
from api.audit import service as audit
from api.cards import pending
from api.cards.id_numbers import parse_id
from api.cards.identity import Identity
from api.cards.models import Card, Person
from api.cards.service import normalise_name
from api.context import AppContext
from api.db.statistics import GrowingTables
from api.errors import DomainError
from api.institutions import service as institutions
from api.principals import Caller, Origin
from api.terminals.models import PatientRecord
from api.terminals.patient_links import Link, link_all

COLUMNS = ("name", "id_type", "id_number", "phone", "institution_code", "patient_id")
BATCH = 500
PHONE = re.compile(r"^1[3-9]\d{9}$")
KEY = re.compile(r"^[\x21-\x2e\x30-\x7e]{1,32}$")


@dataclass(frozen=True)
class Problem:
    """A refused row: its line in the file and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What a run did."""

    rows: int = 0
    cards_created: int = 0
    linked: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    newcomer: pending.Newcomer
    institution_code: str
    patient_id: str


class RowParser:
    """CSV rows one line at a time (fields never span lines in this file): the first line is
    the header, which must name the columns."""

    def __init__(self) -> None:
        self.header: list[str] | None = None

    def feed(self, text: str) -> dict[str, str] | None | bool:
        """The row on this line; None for a row with the wrong number of fields; False for
        the header or an empty line."""
        if not text.strip():
            return False
        values = next(csv.reader([text]))
        if self.header is None:
            self.header = [h.strip().lower().lstrip("\ufeff") for h in values]
            if sorted(self.header) != sorted(COLUMNS):
                raise ValueError(f"the header must be {','.join(COLUMNS)}")
            return False
        if len(values) != len(self.header):
            return None
        return dict(zip(self.header, values, strict=True))


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str] | None]]:
    """(line number, row) for each data row of a CSV text (see :class:`RowParser`)."""
    parser = RowParser()
    for number, text in enumerate(lines, 1):
        row = parser.feed(text)
        if row is not False:
            yield number, row  # type: ignore[misc]


async def csv_stream(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[int, dict | None]]:
    """:func:`csv_rows` over a byte stream (an upload, read as it arrives), UTF-8; a file that
    is not one (wrong header, not UTF-8) is ``VALIDATION_ERROR``."""
    parser, number, rest = RowParser(), 0, b""
    async for chunk in chunks:
        *complete, rest = (rest + chunk).split(b"\n")
        for raw in complete:
            number += 1
            row = _feed(parser, raw, number)
            if row is not False:
                yield number, row  # type: ignore[misc]
    if rest.strip():
        row = _feed(parser, rest, number + 1)
        if row is not False:
            yield number + 1, row  # type: ignore[misc]


def _feed(parser: RowParser, raw: bytes, line: int) -> dict[str, str] | None | bool:
    try:
        return parser.feed(raw.decode("utf-8").rstrip("\r"))
    except ValueError as exc:  # UnicodeDecodeError included
        raise DomainError("VALIDATION_ERROR", f"line {line}: {exc}") from exc


def _checked(line: int, raw: dict[str, str] | None) -> _Row:
    if raw is None:
        raise DomainError("VALIDATION_ERROR", f"a row has {len(COLUMNS)} fields")
    values = {k: (v or "").strip() for k, v in raw.items()}
    parsed = parse_id(values["id_type"], values["id_number"])
    name = normalise_name(values["name"])
    if not PHONE.match(values["phone"]):
        raise DomainError("VALIDATION_ERROR", "phone must be a mainland mobile number")
    for column in ("institution_code", "patient_id"):
        if not KEY.match(values[column]):
            raise DomainError("VALIDATION_ERROR", f"{column} must be 1-32 printable characters")
    identity = Identity(name=name, id_type=parsed.id_type, id_number=parsed.number,
                        phone=values["phone"])  # fmt: skip
    return _Row(line, pending.Newcomer(identity, parsed), values["institution_code"],
                values["patient_id"])  # fmt: skip


async def import_rows(
    ctx: AppContext,
    who: Caller | Origin,
    rows: AsyncIterator[tuple[int, dict[str, str] | None]],
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = BATCH,
) -> ImportReport:
    """Take every row (in batches of ``batch_size``); ``progress`` hears how many rows each
    batch held. Returns what was made, what was already there and every refused row."""
    within = await _institutions_within(who)
    report, batch = ImportReport(), []
    tables = GrowingTables(Person, Card, PatientRecord)
    async for line, raw in rows:
        report.rows += 1
        try:
            row = _checked(line, raw)
            if within is not None and row.institution_code not in within:
                raise DomainError("NOT_FOUND", f"no institution {row.institution_code} here")
            batch.append(row)
        except DomainError as exc:
            report.problems.append(Problem(line, exc.message))
        if report.rows % batch_size == 0:
            await tables.grew(await _take(ctx, batch, report, who))
            progress(batch_size)
            batch = []
    await tables.grew(await _take(ctx, batch, report, who))
    await tables.settle()  # the next run (and every lookup after) is planned on the new size
    progress(report.rows % batch_size)
    report.problems.sort(key=lambda p: p.line)
    await audit.record(
        who, "patients.import", target_type="import", target_id="csv",
        detail={"rows": report.rows, "cards_created": report.cards_created,
                "linked": report.linked, "refused": len(report.problems)},
    )  # fmt: skip
    return report


async def _institutions_within(who: Caller | Origin) -> set[str] | None:
    """The institutions an admin may load patients for (None: any; the command line too)."""
    if not isinstance(who, Caller):
        return None
    return await institutions.codes_within(policy.require(who, "institution.manage"))


async def _take(ctx: AppContext, batch: list[_Row], report: ImportReport, who: object) -> int:
    """Take one batch; returns how many rows it added (cards and links)."""
    if not batch:
        return 0
    before = report.cards_created + report.linked
    batch = _first_of_each(batch, report)
    actor = getattr(who, "id", None) or "import"
    regions = await institutions.regions_of({r.institution_code for r in batch})
    newcomers = [
        replace(r.newcomer, hospital_region=regions.get(r.institution_code)) for r in batch
    ]
    cards = await pending.cards_for(ctx, newcomers, actor)
    report.cards_created += len({c.card_id for c in cards if c.made})  # a person may repeat
    links = [
        Link(row.institution_code, card.card_id, card.issuer, row.patient_id)
        for row, card in zip(batch, cards, strict=True)
    ]
    for row, outcome in zip(batch, await link_all(links), strict=True):
        if outcome is None:
            report.linked += 1
        elif outcome == "unchanged":
            report.unchanged += 1
        else:
            report.problems.append(Problem(row.line, outcome))
    return report.cards_created + report.linked - before


def _first_of_each(batch: list[_Row], report: ImportReport) -> list[_Row]:
    """A patient id twice in one batch: the first row stands, the others are refused."""
    seen: set[str] = set()
    kept = []
    for row in batch:
        if row.patient_id in seen:
            report.problems.append(Problem(row.line, f"patient id {row.patient_id} repeats"))
            continue
        seen.add(row.patient_id)
        kept.append(row)
    return kept
