"""The daily roll-up of card usage, kept by the batch writer as usage rows are written."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class UsageDaily(Model):
    """Uses of cards on one local day in one cell (region, institution, channel, scene, step).

    ``uses`` counts every use. The ``first_*`` columns count the uses that were a card's first
    of that day for the cell's value of one dimension: summed over a dimension's cells they give
    the distinct cards per day for each of its values (``first_day`` for the whole day).
    """

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField(db_index=True)
    region_code = fields.CharField(max_length=12)  # the institution's region; "" unknown
    institution_code = fields.CharField(max_length=32)
    channel_code = fields.CharField(max_length=8)
    scene = fields.CharField(max_length=16)
    medstep_code = fields.CharField(max_length=16)
    uses = fields.BigIntField(default=0)
    first_day = fields.BigIntField(default=0)
    first_region = fields.BigIntField(default=0)
    first_institution = fields.BigIntField(default=0)
    first_channel = fields.BigIntField(default=0)
    first_scene = fields.BigIntField(default=0)

    class Meta:
        table = "usage_daily"
        unique_together = (
            ("day", "region_code", "institution_code", "channel_code", "scene", "medstep_code"),
        )


class UsageSeen(Model):
    """What one card was used for on one local day: a row per dimension value (``d`` the day
    itself, ``r:<region>``, ``i:<institution>``, ``c:<channel>``, ``s:<scene>``).

    The roll-up inserts a batch's keys with ``ON CONFLICT DO NOTHING``: the keys it really
    inserted are a card's first of that day, so distinct cards are counted without reading
    the usage rows, and two writers racing on one card count it once (the unique index decides).
    """

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    card_id = fields.CharField(max_length=64)
    key = fields.CharField(max_length=40)

    class Meta:
        table = "usage_seen"
        unique_together = (("day", "card_id", "key"),)
