"""People, their one card, the users it is bound to, its history, the blacklist and the card
centre's run-time settings.

Names, ID numbers and phones are stored sealed (SM4-GCM, key-versioned) next to an HMAC-SM3
blind index for exact lookups: nothing here holds them in clear.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

CARD_STATUSES = ("active", "lost", "frozen", "cancelled", "pending_activation")
RELATIONS = ("self", "child", "parent", "spouse", "other")
DISPLAY_MODES = ("dynamic", "static")
# standard: issued to a person proven by a document; temporary: issued at a counter from name,
# gender and age (an unconscious or undocumented patient), bound to the real card later;
# newborn: collected by a guardian before the child has an ID number, upgraded when it has one.
CARD_KINDS = ("standard", "temporary", "newborn")


class Person(Model):
    """A real-name-checked person. One person, one row: unique on (id_type, id index)."""

    id = fields.BigIntField(primary_key=True)
    id_type = fields.CharField(max_length=2)
    id_number_idx = fields.CharField(max_length=64)
    id_number_sealed = fields.TextField()
    name_sealed = fields.TextField()
    phone_sealed = fields.TextField(null=True)
    phone_idx = fields.CharField(max_length=64, null=True, db_index=True)
    gender = fields.CharField(max_length=1, default="0")
    birth_date = fields.DateField(null=True)
    # The GB/T 2260 region of a resident ID number (its first six digits), for the indicators:
    # a region code, not the number.
    region_code = fields.CharField(max_length=6, null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "person"
        unique_together = (("id_type", "id_number_idx"),)


class Card(Model):
    """The electronic health card: an opaque 64-hex id, national style."""

    card_id = fields.CharField(max_length=64, primary_key=True)
    person: fields.OneToOneRelation[Person] = fields.OneToOneField(
        "ehc.Person", related_name="card", on_delete=fields.RESTRICT
    )
    issuer = fields.CharField(max_length=32)
    status = fields.CharField(max_length=24, default="active")
    kind = fields.CharField(max_length=16, default="standard")
    display_mode = fields.CharField(max_length=16, default="dynamic")
    # QR payloads name the card by this reference (never the card id); rotating it revokes
    # every printed static code.
    static_ref = fields.CharField(max_length=32, unique=True)
    totp_secret_sealed = fields.TextField()
    physical_card_idx = fields.CharField(max_length=64, null=True, unique=True)
    channel_app_id = fields.CharField(max_length=64, null=True)  # where it was collected
    institution_code = fields.CharField(max_length=32, null=True)
    # The holder's home region (GB/T 2260, from a resident ID number's first six digits, which
    # the masked number shows anyway): whose region admin manages the card.
    region_code = fields.CharField(max_length=6, null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "card"


class CardBinding(Model):
    """A resident user holding a card (their own or a family member's)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=40, db_index=True)
    card: fields.ForeignKeyRelation[Card] = fields.ForeignKeyField(
        "ehc.Card", related_name="bindings", on_delete=fields.CASCADE
    )
    relation = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "card_binding"
        unique_together = (("user_id", "card"),)


class CardEvent(Model):
    """A lifecycle change of a card: who, what, when."""

    id = fields.BigIntField(primary_key=True)
    card: fields.ForeignKeyRelation[Card] = fields.ForeignKeyField(
        "ehc.Card", related_name="events", on_delete=fields.CASCADE
    )
    action = fields.CharField(max_length=32)
    from_status = fields.CharField(max_length=24, null=True)
    to_status = fields.CharField(max_length=24, null=True)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.CharField(max_length=64)
    reason = fields.CharField(max_length=255, null=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "card_event"


class BlacklistEntry(Model):
    """A person refused a card (by blind index), with why and by whom."""

    id = fields.BigIntField(primary_key=True)
    id_type = fields.CharField(max_length=2)
    id_number_idx = fields.CharField(max_length=64)
    reason = fields.CharField(max_length=255)
    region_code = fields.CharField(max_length=6, null=True)  # the person's home region
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blacklist_entry"
        unique_together = (("id_type", "id_number_idx"),)


class CentreSetting(Model):
    """A card-centre setting changed at run time (e.g. the dynamic QR lifetime)."""

    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "centre_setting"
