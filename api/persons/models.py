"""The master index (跨域主索引): which person rows are one real person. Each ``Person`` keeps
its own identifiers (documents, card, chip, patient ids, channel accounts); a merge only links
rows under one master id, so an undo puts every identifier back where it was."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class MasterLink(Model):
    """A person row filed under another master id than its own (``MP<person id>``)."""

    person_id = fields.BigIntField(primary_key=True)
    master_id = fields.CharField(max_length=24, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "master_link"


class PersonMerge(Model):
    """Two persons found to be one: who, when, why, and the rows it moved (to undo it)."""

    merge_id = fields.CharField(max_length=24, primary_key=True)
    survivor_id = fields.CharField(max_length=24)
    other_id = fields.CharField(max_length=24)
    reason = fields.CharField(max_length=255)
    moved = fields.JSONField(default=dict)  # person row id → the master id it had before
    merged_by = fields.CharField(max_length=64)
    merged_at = fields.DatetimeField(auto_now_add=True)
    undone_by = fields.CharField(max_length=64, null=True)
    undone_at = fields.DatetimeField(null=True)

    class Meta:
        table = "person_merge"
