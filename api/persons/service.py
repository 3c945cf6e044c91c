"""The master index: one person found from any of their identifiers, merged with another
found to be the same, and the merge undone exactly; terminals look up their own patients.

Identifier systems (API.md): ``id:<id_type>`` document numbers (found by blind index, shown
masked), ``ehc`` card ids, ``chip`` physical card numbers (found by blind index),
``patient:<institution_code>`` each institution's patient id, ``channel:<app_id>`` the accounts
holding the card (masked).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from api import policy
from api.audit import service as audit
from api.cards.id_numbers import parse_id
from api.cards.identity import id_index, open_identity
from api.cards.models import Card, CardBinding, Person
from api.cards.undocumented import has_document
from api.channels.models import ChannelIdentity
from api.context import AppContext
from api.errors import DomainError, not_found
from api.masking import mask_id_number
from api.persons.models import MasterLink, PersonMerge
from api.principals import Caller
from api.terminals import service as terminals
from api.terminals.models import PatientRecord
from api.timefmt import now


@dataclass
class IndexedPerson:
    """A master person: their identifiers and their cards."""

    person_id: str
    identifiers: list[dict[str, str]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)


def _own_master(person_id: int) -> str:
    return f"MP{person_id}"


async def _master_of(person_id: int) -> str:
    link = await MasterLink.get_or_none(person_id=person_id)
    return link.master_id if link else _own_master(person_id)


async def _rows_of(master_id: str) -> list[int]:
    """Every person row filed under ``master_id``."""
    linked = await MasterLink.filter(master_id=master_id).values_list("person_id", flat=True)
    rows = set(linked)
    if master_id.startswith("MP") and master_id[2:].isdigit():
        own = int(master_id[2:])
        if await _master_of(own) == master_id:
            rows.add(own)
    return sorted(rows)


def _mask_ref(ref: str) -> str:
    return ref[:3] + "****" + ref[-2:] if len(ref) > 6 else "****"


async def _view(ctx: AppContext, master_id: str) -> IndexedPerson:
    rows = await _rows_of(master_id)
    if not rows:
        raise not_found("person")
    found = IndexedPerson(person_id=master_id)
    for person in await Person.filter(id__in=rows).order_by("id"):
        if not has_document(person):  # a temporary or newborn card's holder: no number yet
            continue
        identity = open_identity(ctx, person)
        found.identifiers.append(
            {"system": f"id:{person.id_type}", "value": mask_id_number(identity.id_number)}
        )
    cards = await Card.filter(person_id__in=rows).prefetch_related("person").order_by("created_at")
    found.cards = list(cards)
    card_ids = [c.card_id for c in cards]
    for card in cards:
        found.identifiers.append({"system": "ehc", "value": card.card_id})
        if card.physical_card_idx:
            found.identifiers.append({"system": "chip", "value": "(linked)"})
    for record in await PatientRecord.filter(card_id__in=card_ids).order_by("id"):
        found.identifiers.append(
            {"system": f"patient:{record.institution_code}", "value": record.patient_id}
        )
    users = await CardBinding.filter(card_id__in=card_ids).values_list("user_id", flat=True)
    for account in await ChannelIdentity.filter(user_id__in=users).order_by("id"):
        found.identifiers.append(
            {"system": f"channel:{account.app_id}", "value": _mask_ref(account.platform_user)}
        )
    return found


async def find(ctx: AppContext, caller: Caller, id_type: str, id_number: str) -> IndexedPerson:
    """(Admins) the master person holding this document; the look-up is audited. The index
    crosses every region: centre-wide staff only."""
    policy.require(caller, "centre.read")
    parsed = parse_id(id_type, id_number)
    person = await Person.get_or_none(
        id_type=parsed.id_type, id_number_idx=id_index(ctx, parsed.id_type, parsed.number)
    )
    await audit.record(caller, "person.lookup", target_type="person",
                       detail={"found": bool(person)})  # fmt: skip
    if person is None:
        raise not_found("person")
    return await _view(ctx, await _master_of(person.id))


async def merge(caller: Caller, person_id: str, other_id: str, reason: str) -> PersonMerge:
    """(Admins) file every row of ``other_id`` under ``person_id``; audited, undoable."""
    policy.require(caller, "centre.manage")
    if person_id == other_id:
        raise DomainError("VALIDATION_ERROR", "a person cannot be merged with itself")
    async with in_transaction():
        survivors, others = await _rows_of(person_id), await _rows_of(other_id)
        if not survivors or not others:
            raise not_found("person")
        moved = {str(row): other_id for row in others}
        for row in others:
            await MasterLink.update_or_create(defaults={"master_id": person_id}, person_id=row)
        done = await PersonMerge.create(
            merge_id="MG" + secrets.token_hex(8).upper(), survivor_id=person_id,
            other_id=other_id, reason=reason, moved=moved,
            merged_by=str(caller.attrs.get("username", caller.id)),
        )  # fmt: skip
        await audit.record(caller, "person.merge", target_type="person", target_id=person_id,
                           detail={"merge_id": done.merge_id, "other": other_id,
                                   "reason": reason})  # fmt: skip
    return done


async def undo_merge(caller: Caller, merge_id: str) -> PersonMerge:
    """(Admins) put every row a merge moved back under the master id it had; audited."""
    policy.require(caller, "centre.manage")
    async with in_transaction():
        done = await PersonMerge.select_for_update().get_or_none(merge_id=merge_id)
        if done is None:
            raise not_found("merge")
        if done.undone_at is not None:
            raise DomainError("INVALID_STATE", "this merge was undone already")
        for row, master_id in done.moved.items():
            if master_id == _own_master(int(row)):
                await MasterLink.filter(person_id=int(row)).delete()
            else:
                await MasterLink.update_or_create(
                    defaults={"master_id": master_id}, person_id=int(row)
                )
        done.undone_at, done.undone_by = now(), str(caller.attrs.get("username", caller.id))
        await done.save(update_fields=["undone_at", "undone_by"])
        await audit.record(caller, "person.merge_undo", target_type="person",
                           target_id=done.survivor_id, detail={"merge_id": merge_id})  # fmt: skip
    return done


async def file_under(row_id: int, person_row_id: int) -> None:
    """File a person row under the master person of another (call inside the change's
    transaction): a temporary card's holder turned out to be that person, so the temporary
    card stays findable among their identifiers."""
    master_id = await _master_of(person_row_id)
    await MasterLink.update_or_create(defaults={"master_id": master_id}, person_id=row_id)


async def lookup_for_terminal(
    ctx: AppContext, caller: Caller, system: str, value: str
) -> tuple[str, str]:
    """(Terminals) ``(card_id, patient_id)`` of the terminal's institution's own patient named
    by an identifier; 404 when it is not that institution's patient."""
    institution_code = (await terminals.terminal_of(ctx, caller)).institution_code
    card_id: str | None = None
    if system == f"patient:{institution_code}":
        record = await PatientRecord.get_or_none(
            institution_code=institution_code, patient_id=value
        )
        card_id = record.card_id if record else None
    elif system == "ehc":
        card_id = value
    elif system.startswith("id:"):
        try:
            parsed = parse_id(system[3:], value)
        except DomainError:
            raise not_found("patient") from None
        card = await Card.get_or_none(
            person__id_type=parsed.id_type,
            person__id_number_idx=id_index(ctx, parsed.id_type, parsed.number),
        )
        card_id = card.card_id if card else None
    record = (
        await PatientRecord.get_or_none(institution_code=institution_code, card_id=card_id)
        if card_id
        else None
    )
    if record is None:
        raise not_found("patient")
    return record.card_id, record.patient_id
