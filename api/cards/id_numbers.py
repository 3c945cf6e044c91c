"""Identity documents for real-name collection (WS 364 document types).

Resident ID numbers follow GB 11643: 6-digit region, 8-digit birth date, 3-digit sequence
(odd = male), and a check digit from weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, mod 11 →
"10X98765432". Other documents are checked by their published formats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from api.errors import DomainError

ID_TYPES = {
    "01": "居民身份证",
    "02": "居民户口簿",
    "03": "护照",
    "04": "军官证",
    "05": "驾驶证",
    "06": "港澳居民来往内地通行证",
    "07": "台湾居民来往大陆通行证",
    "08": "外国人永久居留身份证",
    "99": "其他法定有效证件",
}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260, plus 83 (Taiwan residents' residence permits, 830000).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)
FORMATS = {
    # Chinese passports: E/G/D/S/P + 8 digits, E + letter + 7 digits; foreign ones 5-17 chars.
    "03": re.compile(r"^[A-Z0-9]{5,17}$"),
    "04": re.compile(r"^[A-Z0-9\-]{4,30}$"),
    "05": re.compile(r"^[A-Z0-9\-]{4,30}$"),
    # Mainland travel permit for HK/Macau residents: H or M + 8 digits (old form: + 10 digits).
    "06": re.compile(r"^[HM](\d{8}|\d{10})$"),
    # Mainland travel permit for Taiwan residents: 8 digits (old form: 10 digits).
    "07": re.compile(r"^(\d{8}|\d{10})$"),
    # Foreigner's permanent residence card: 3 letters (nationality) + 12 digits (2004 form), or
    # 18 characters beginning with 9 in the resident-ID layout (2017 and 2023 forms).
    "08": re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$"),
    "99": re.compile(r"^[A-Z0-9\-]{4,30}$"),
}


@dataclass(frozen=True)
class IdentityNumber:
    """A validated document number, normalised, with what it tells about its holder."""

    id_type: str
    number: str
    birth_date: date | None = None
    gender: str = "0"  # GB/T 2261.1: 0 unknown, 1 male, 2 female
    region: str | None = None


def _invalid(why: str) -> DomainError:
    return DomainError("INVALID_ID_NUMBER", why)


def normalise(number: str) -> str:
    """Half-width, upper-case, no spaces (residents paste full-width digits from IMEs)."""
    return "".join(unicodedata.normalize("NFKC", number).split()).upper()


def check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _resident_id(id_type: str, number: str, today: date) -> IdentityNumber:
    if len(number) == 15 and number.isdigit():
        raise _invalid("15-digit ID numbers are no longer accepted; use the 18-character number")
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise _invalid("an ID number has 17 digits and a final digit or X")
    if number[:2] not in PROVINCES:
        raise _invalid("the ID number's region code does not exist")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise _invalid("the ID number's birth date is not a real date") from exc
    if born > today or born < date(1900, 1, 1):
        raise _invalid("the ID number's birth date is impossible")
    if check_digit(number[:17]) != number[17]:
        raise _invalid("the ID number's check digit is wrong; please check every digit")
    gender = "1" if int(number[16]) % 2 else "2"
    return IdentityNumber(id_type, number, born, gender, number[:6])


def parse_id(id_type: str, number: str, *, today: date | None = None) -> IdentityNumber:
    """Validate and normalise a document number; ``INVALID_ID_NUMBER`` says what is wrong."""
    if id_type not in ID_TYPES:
        raise _invalid(f"unknown document type {id_type!r}; use one of {', '.join(ID_TYPES)}")
    clean = normalise(number)
    if id_type in ("01", "02"):
        return _resident_id(id_type, clean, today or date.today())
    if not FORMATS[id_type].match(clean):
        raise _invalid(f"not a valid {ID_TYPES[id_type]} number")
    if id_type == "08" and len(clean) == 18 and check_digit(clean[:17]) != clean[17]:
        raise _invalid("the permanent residence card number's check digit is wrong")
    return IdentityNumber(id_type, clean)


def home_region(parsed: IdentityNumber) -> str | None:
    """The GB/T 2260 region a resident ID number names (its first six digits)."""
    return parsed.number[:6] if parsed.id_type == "01" else None
