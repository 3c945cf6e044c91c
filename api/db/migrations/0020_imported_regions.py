"""Patients imported before the import recorded regions: their person and card take the region
of the institution the import linked them to (their earliest patient record), where that
institution is registered with a region. The ID number, which a channel's card counts by, is
sealed and out of a migration's reach; a resident who activates such a card later gives it
(``api.cards.service``), and the card then counts in the number's region."""

from tortoise import migrations
from tortoise.migrations import operations as ops

IMPORTED = "SELECT card_id FROM card_event WHERE action = 'imported'"

PERSONS = f"""
UPDATE person SET region_code = (
    SELECT NULLIF(i.region_code, '') FROM card c
    JOIN patient_record r ON r.card_id = c.card_id
    JOIN institution i ON i.code = r.institution_code
    WHERE c.person_id = person.id
    ORDER BY r.created_at, r.id
    LIMIT 1
)
WHERE region_code IS NULL
  AND id IN (SELECT person_id FROM card WHERE card_id IN ({IMPORTED}))
"""

CARDS = f"""
UPDATE card SET region_code = (SELECT p.region_code FROM person p WHERE p.id = card.person_id)
WHERE region_code IS NULL AND card_id IN ({IMPORTED})
"""


class Migration(migrations.Migration):
    dependencies = [('ehc', '0019_usage_index_dropped')]

    initial = False

    operations = [
        ops.RunSQL([PERSONS, CARDS], reverse_sql=[]),
    ]
