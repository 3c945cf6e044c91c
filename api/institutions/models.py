"""The institution register (card centres, hospitals, community health centres…) and the
regions they lie in (GB/T 2260 codes)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

INSTITUTION_KINDS = (
    "card_centre",
    "hospital",
    "community_health",
    "public_health",
    "registration_point",
)


class Region(Model):
    """A region named or counted by the card centre: a code added to the seed list, or a
    seeded one given its population (for the collection rate)."""

    code = fields.CharField(max_length=6, primary_key=True)
    name = fields.CharField(max_length=64)
    population = fields.BigIntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "region"


class Institution(Model):
    """An institution of the card centre's network. A hospital's code is also its ``Hospital``
    row's (the catalogue residents book from) and its terminals' ``institution_code``."""

    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharField(max_length=24)
    level = fields.CharField(max_length=16, null=True)
    region_code = fields.CharField(max_length=6, null=True, db_index=True)
    parent_code = fields.CharField(max_length=32, null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "institution"
