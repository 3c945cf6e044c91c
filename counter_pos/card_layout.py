"""The resident health card's health application (WS/T 543) as our reader and our simulated
card both read it.

DOMAIN.md gives the files (DDF1/EF05 issuer data, EF06 holder, EF08 expiry and phones) but not
their byte encoding, nor the DDF1's application name. Our encoding, modelled on WS/T 543.2:
each file is a run of TLV items — one tag byte, one length byte (values ≤ 127 bytes), the
value; Chinese text in GBK as Chinese cards carry it; dates as ASCII YYYYMMDD. The tags are
listed below. A real card's layout may differ: change this module, not the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar

# Application names selected by SELECT (by DF name). The health one is our placeholder; the
# social-security application's name is the one the field uses ("SSSE").
HEALTH_AID = b"WST543.HEALTH"
SSSE_AID = b"SSSE"
EF_ISSUER, EF_HOLDER, EF_EXTRA = 0x0005, 0x0006, 0x0008


@dataclass(frozen=True)
class IssuerData:
    """DDF1/EF05."""

    card_type: str = "1"
    spec_version: str = "2.0"
    issuer_name: str = ""
    issuer_code: str = ""
    issue_date: str = ""  # YYYYMMDD
    card_number: str = ""  # equals the holder's ID number
    chip_serial: str = ""
    city_code: str = ""


@dataclass(frozen=True)
class HolderData:
    """DDF1/EF06."""

    name: str = ""
    sex: str = "0"  # GB/T 2261.1
    ethnicity: str = "01"  # GB 3304
    birth_date: str = ""  # YYYYMMDD
    id_number: str = ""


@dataclass(frozen=True)
class ExtraData:
    """DDF1/EF08 (expiry and phones)."""

    expiry_date: str = ""
    phone1: str = ""
    phone2: str = ""


@dataclass(frozen=True)
class HealthCardRecord:
    """What a health card holds that the counter needs."""

    issuer: IssuerData
    holder: HolderData
    extra: ExtraData = ExtraData()


@dataclass(frozen=True)
class SocialSecurityIssuer:
    """SSSE/EF05 of a social-security card (社会保障卡): the card, with the tags of the national
    card's basic data (01 identification code … 07 card number)."""

    card_id_code: str = ""  # 01 卡识别码: unique per chip
    card_type: str = "3"  # 02
    spec_version: str = "3.00"  # 03
    issuer_code: str = ""  # 04 初始化机构编号: the issuing bureau (region code first)
    issue_date: str = ""  # 05 YYYYMMDD
    expiry_date: str = ""  # 06 YYYYMMDD
    card_number: str = ""  # 07 社会保障卡卡号


@dataclass(frozen=True)
class SocialSecurityHolder:
    """SSSE/EF06: the holder (08 social-security number = ID number … 0D birth date)."""

    id_number: str = ""  # 08
    name: str = ""  # 09
    sex: str = "0"  # 0A
    ethnicity: str = "01"  # 0B
    birth_place: str = ""  # 0C region code
    birth_date: str = ""  # 0D YYYYMMDD


@dataclass(frozen=True)
class SocialSecurityRecord:
    """What a social-security card holds that the counter needs."""

    issuer: SocialSecurityIssuer
    holder: SocialSecurityHolder


Layout = IssuerData | HolderData | ExtraData | SocialSecurityIssuer | SocialSecurityHolder
T = TypeVar("T", IssuerData, HolderData, ExtraData, SocialSecurityIssuer, SocialSecurityHolder)
TAGS: dict[type, int] = {
    IssuerData: 0x01,
    HolderData: 0x11,
    ExtraData: 0x21,
    SocialSecurityIssuer: 0x01,
    SocialSecurityHolder: 0x08,
}
TEXT_FIELDS = {"issuer_name", "name"}  # GBK; everything else ASCII


def encode(data: Layout) -> bytes:
    """A file's content: one TLV per field, tags counting up from the file's first tag."""
    out = bytearray()
    for offset, field in enumerate(fields(data)):
        value: str = getattr(data, field.name)
        raw = value.encode("gbk" if field.name in TEXT_FIELDS else "ascii")
        if len(raw) > 127:
            raise ValueError(f"{field.name} is too long for the card")
        out += bytes([TAGS[type(data)] + offset, len(raw)]) + raw
    return bytes(out)


def decode(kind: type[T], raw: bytes) -> T:
    """Parse a file's TLVs back into ``kind``; unknown tags are skipped, padding (00/FF) ends."""
    names = [f.name for f in fields(kind)]
    values: dict[str, str] = {}
    i = 0
    while i + 2 <= len(raw) and raw[i] not in (0x00, 0xFF):
        tag, length = raw[i], raw[i + 1]
        value = raw[i + 2 : i + 2 + length]
        if len(value) != length:
            raise ValueError("truncated TLV")
        index = tag - TAGS[kind]
        if 0 <= index < len(names):
            name = names[index]
            values[name] = value.decode("gbk" if name in TEXT_FIELDS else "ascii")
        i += 2 + length
    return kind(**values)
