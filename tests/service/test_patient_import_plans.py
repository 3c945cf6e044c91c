"""A hospital's bulk import leaves PostgreSQL able to plan the import's own lookups: a person
table that grew from nothing during one run is not planned as a handful of rows (which made
each batch's lookup filter every row of the table, the import slowing as it went)."""

from __future__ import annotations

import random
import secrets
from collections.abc import AsyncIterator

import pytest

from api.cards.identity import id_index
from api.cards.models import Person
from api.patients import importer
from api.principals import SYSTEM
from api.settings import Settings
from tests.support.core import open_core
from tests.support.people import make_person

pytestmark = [pytest.mark.storage, pytest.mark.postgres_only]


async def rows(count: int, tag: str) -> AsyncIterator[tuple[int, dict[str, str]]]:
    rng = random.Random(secrets.randbits(64))
    for n in range(count):
        p = make_person(rng)
        yield n + 2, {"name": p.name, "id_type": "01", "id_number": p.id_number,
                      "phone": p.phone, "institution_code": "H0001",
                      "patient_id": f"{tag}{n:05d}"}  # fmt: skip


async def test_after_an_import_a_lookup_by_id_index_uses_the_whole_unique_index(
    core_settings: Settings,
) -> None:
    async with open_core(core_settings) as ctx:
        report = await importer.import_rows(ctx, SYSTEM, rows(3000, secrets.token_hex(3)))
        assert (report.cards_created, report.linked, report.problems) == (3000, 3000, [])
        idx = id_index(ctx, "01", make_person(random.Random(7)).id_number)
        query = Person.filter(id_type="01", id_number_idx__in=[idx]).values_list("id")
        _, plan = await Person._meta.db.execute_query("EXPLAIN " + query.sql(params_inline=True))
    lines = [row["QUERY PLAN"] for row in plan]
    assert any("Index Cond" in line and "id_number_idx" in line for line in lines), lines
    assert not any("Filter" in line for line in lines), lines
