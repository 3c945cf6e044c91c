"""Made-up people with valid resident ID numbers (GB 11643), computed here independently."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
REGIONS = ("110105", "310104", "330106", "440305", "510107", "420106")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def id_number(birth: date, sequence: int, region: str = "110105") -> str:
    """An 18-character ID number with the right check digit."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str


def make_person(rng: random.Random | None = None, *, adult: bool = True) -> Person:
    """A random person; children are born within the last 10 years."""
    rng = rng or random.Random()
    if adult:
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    else:
        birth = date.today() - timedelta(days=rng.randrange(30, 365 * 10))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    return Person(name, id_number(birth, rng.randrange(1, 999), rng.choice(REGIONS)), phone)
