"""Sealing a person's identity at rest and finding it again by blind index."""

from __future__ import annotations

from dataclasses import dataclass

from api.cards.models import Person
from api.context import AppContext

NAME = "person.name"
ID_NUMBER = "person.id_number"
PHONE = "person.phone"


@dataclass(frozen=True)
class Identity:
    """A person's identity in clear, only in memory and only as long as a request needs it."""

    name: str
    id_type: str
    id_number: str
    phone: str | None


def id_index(ctx: AppContext, id_type: str, id_number: str) -> str:
    """The blind index that makes (id_type, id_number) unique without storing it."""
    return ctx.keys.ring.blind_index(f"{id_type}:{id_number}", context=ID_NUMBER)


def phone_index(ctx: AppContext, phone: str) -> str:
    """The blind index of a phone number."""
    return ctx.keys.ring.blind_index(phone, context=PHONE)


def sealed_fields(ctx: AppContext, identity: Identity) -> dict[str, str | None]:
    """The Person columns holding ``identity`` sealed."""
    ring = ctx.keys.ring
    return {
        "id_type": identity.id_type,
        "id_number_idx": id_index(ctx, identity.id_type, identity.id_number),
        "id_number_sealed": ring.seal(identity.id_number, context=ID_NUMBER),
        "name_sealed": ring.seal(identity.name, context=NAME),
        "phone_sealed": ring.seal(identity.phone, context=PHONE) if identity.phone else None,
        "phone_idx": phone_index(ctx, identity.phone) if identity.phone else None,
    }


def open_identity(ctx: AppContext, person: Person) -> Identity:
    """The clear identity of a person (callers audit full reads)."""
    ring = ctx.keys.ring
    return Identity(
        name=ring.open(person.name_sealed, context=NAME),
        id_type=person.id_type,
        id_number=ring.open(person.id_number_sealed, context=ID_NUMBER),
        phone=ring.open(person.phone_sealed, context=PHONE) if person.phone_sealed else None,
    )
