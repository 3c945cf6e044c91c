"""People the card centre knows before it has their identity document: a patient brought in
unconscious or without papers (a temporary card, issued at a counter from name, gender and
age) and a newborn (a card a guardian collects before the child has an ID number).

Their person row carries the document type :data:`NO_DOCUMENT` (``"00"``, not a WS 364 code)
and a random blind index in the number's place, so that one person, one card (unique on
document type and index) holds for everyone else and no look-up by document ever finds them.
When the number is known, :func:`give_document` fills it in place: the row, its card and what
is filed under them stay where they are.
"""

from __future__ import annotations

import secrets
from datetime import date

from tortoise.exceptions import IntegrityError

from api.cards.id_numbers import IdentityNumber
from api.cards.identity import ID_NUMBER, NAME, id_index
from api.cards.models import Card, Person
from api.cards.service import create_card, home_region
from api.context import AppContext
from api.errors import DomainError
from api.principals import Caller

NO_DOCUMENT = "00"


def has_document(person: Person) -> bool:
    """False for a person known only by name, gender and age or birth date."""
    return person.id_type != NO_DOCUMENT


async def issue_undocumented(
    ctx: AppContext,
    caller: Caller,
    kind: str,
    *,
    name: str,
    gender: str,
    birth_date: date | None,
    institution_code: str | None = None,
) -> Card:
    """A person without a document and their card of ``kind`` (``temporary`` or ``newborn``),
    registered upward (call inside the issuing transaction; the caller has checked ``name``)."""
    ring = ctx.keys.ring
    person = await Person.create(
        id_type=NO_DOCUMENT,
        id_number_idx="none:" + secrets.token_hex(24),
        id_number_sealed=ring.seal("", context=ID_NUMBER),
        name_sealed=ring.seal(name, context=NAME),
        gender=gender,
        birth_date=birth_date,
    )
    return await create_card(ctx, caller, person, kind, institution_code=institution_code)


async def give_document(ctx: AppContext, person: Person, parsed: IdentityNumber) -> None:
    """File the person's document number, now known (call inside a transaction). A number that
    already belongs to someone is 409 ``CARD_EXISTS``: one person, one card."""
    changes = {
        "id_type": parsed.id_type,
        "id_number_idx": id_index(ctx, parsed.id_type, parsed.number),
        "id_number_sealed": ctx.keys.ring.seal(parsed.number, context=ID_NUMBER),
        "region_code": parsed.region,
    }
    if parsed.birth_date is not None:  # the number's own particulars win over those given
        changes.update(gender=parsed.gender, birth_date=parsed.birth_date)
    try:
        await Person.filter(id=person.id, id_type=NO_DOCUMENT).update(**changes)
    except IntegrityError as exc:
        raise card_exists() from exc
    await Card.filter(person_id=person.id).update(region_code=home_region(parsed))


def card_exists() -> DomainError:
    """409 ``CARD_EXISTS``: this document's holder already has a card."""
    return DomainError("CARD_EXISTS", "this ID number already has a card: one person, one card")
