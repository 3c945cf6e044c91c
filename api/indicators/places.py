"""Where a card and a use belong, and how many people live there: the one module that reads
regions and populations, so it can follow the institution register and the region table.

- A card's region is the GB/T 2260 region of its holder's resident ID number (stored on the
  person as ``region_code``, the number's first six digits). A hospital's import gives a
  person whose document names no region the hospital's region (``api.cards.pending``).
- A use's region is the institution's region in the institution register (unknown, "", for an
  institution not registered there).
- A region's population comes from the region table (``PUT /api/v1/admin/regions/{code}``);
  a collection rate against an unknown population is null.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.institutions.models import Institution, Region

UNKNOWN = ""  # a region no one has told us


async def institution_regions(codes: Iterable[str]) -> dict[str, str]:
    """The region code of each institution in ``codes`` (``UNKNOWN`` when not known)."""
    wanted = set(codes)
    found: dict[str, str] = dict.fromkeys(wanted, UNKNOWN)
    if wanted:
        rows = await Institution.filter(code__in=wanted).values_list("code", "region_code")
        found.update({code: region or UNKNOWN for code, region in rows})
    return found


async def populations(codes: Iterable[str]) -> dict[str, int]:
    """The population of each region in ``codes`` that has one on record."""
    rows = await Region.filter(code__in=set(codes), population__isnull=False).values_list(
        "code", "population"
    )
    return {code: int(population) for code, population in rows}


def in_region(code: str | None, prefix: str | None) -> bool:
    """Whether region ``code`` lies inside ``prefix`` (2, 4 or 6 digits; None: everywhere)."""
    return prefix is None or (code or "").startswith(prefix)
