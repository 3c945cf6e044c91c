"""GB/T 2260 administrative division codes: the 34 provincial-level codes and the demo's city
and districts are known from the start; a card centre adds others (and populations) with
``PUT /api/v1/admin/regions/{code}``, kept in the ``region`` table.

A six-digit code ``PPCCDD``: ``PP0000`` a province, ``PPCC00`` a city, ``PPCCDD`` a district;
a code's prefix without its trailing zero pairs covers its children (``api.policy.region_prefix``).
"""

from __future__ import annotations

import re

from api.errors import DomainError
from api.institutions.models import Region

PROVINCES = {
    "110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省",
    "150000": "内蒙古自治区", "210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省",
    "310000": "上海市", "320000": "江苏省", "330000": "浙江省", "340000": "安徽省",
    "350000": "福建省", "360000": "江西省", "370000": "山东省", "410000": "河南省",
    "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
    "460000": "海南省", "500000": "重庆市", "510000": "四川省", "520000": "贵州省",
    "530000": "云南省", "540000": "西藏自治区", "610000": "陕西省", "620000": "甘肃省",
    "630000": "青海省", "640000": "宁夏回族自治区", "650000": "新疆维吾尔自治区",
    "710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区",
}  # fmt: skip
# The demo's city (Hangzhou) and districts, and Beijing's, where the examples' ID numbers are.
CITIES_AND_DISTRICTS = {
    "330100": "杭州市", "330102": "上城区", "330105": "拱墅区", "330106": "西湖区",
    "330108": "滨江区", "110100": "北京市市辖区", "110101": "东城区", "110102": "西城区",
    "110105": "朝阳区", "110108": "海淀区",
}  # fmt: skip
SEED = {**PROVINCES, **CITIES_AND_DISTRICTS}
_CODE = re.compile(r"^[1-9]\d{5}$")


def valid_code(code: str) -> str:
    """``code`` if it is shaped like a GB/T 2260 code, else ``VALIDATION_ERROR``."""
    if not _CODE.match(code):
        raise DomainError("VALIDATION_ERROR", "a region code is six digits (GB/T 2260)")
    return code


async def known(code: str) -> bool:
    """True for a seeded code or one the card centre added."""
    return code in SEED or await Region.exists(code=code)


async def all_regions() -> list[tuple[str, str, int | None]]:
    """Every known region as (code, name, population), by code."""
    rows = {code: (code, name, None) for code, name in SEED.items()}
    for region in await Region.all():
        rows[region.code] = (region.code, region.name, region.population)
    return [rows[code] for code in sorted(rows)]


async def put(code: str, name: str, population: int | None) -> Region:
    """Add a region code, or name and count one (seeded or added)."""
    region, _ = await Region.update_or_create(
        code=valid_code(code), defaults={"name": name, "population": population}
    )
    return region
