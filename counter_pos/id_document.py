"""The second-generation resident ID card (二代身份证) as an ID reader reports it, and the
reader's serial protocol: frames of a 5-byte preamble ``AA AA AA 96 69``, a 2-byte big-endian
length (of what follows), the payload and an XOR checksum over length and payload.

Commands (payload ``CMD PARA``): ``20 01`` find a card, ``20 02`` select it, ``30 01`` read its
text and photo. Answers (payload ``SW1 SW2 SW3`` + data): ``SW3`` ``90`` done, ``9F`` a card was
found, ``80`` no card, ``81`` selection failed, ``41`` reading failed. The read answer's data is
the text length and the photo length (2 bytes each, big-endian), the text (256 bytes of
UCS-2 little-endian in fixed fields, space-padded) and the photo (WLT, which we never decode).

Both ``id_reader`` (counter-pos's side) and ``id_reader_sim`` (the stand-in reader) use this.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
FIND, SELECT, READ = b"\x20\x01", b"\x20\x02", b"\x30\x01"
OK, FOUND, NO_CARD, SELECT_FAILED, READ_FAILED = 0x90, 0x9F, 0x80, 0x81, 0x41
TEXT_BYTES = 256


@dataclass(frozen=True)
class IdDocument:
    """The text of an ID card, field widths in bytes of UCS-2 as the card holds them."""

    name: str = ""  # 30
    sex: str = ""  # 2: 1 male, 2 female
    ethnicity: str = ""  # 4: GB 3304 code
    birth_date: str = ""  # 16: YYYYMMDD
    address: str = ""  # 70
    id_number: str = ""  # 36
    authority: str = ""  # 30: the issuing police office
    valid_from: str = ""  # 16
    valid_to: str = ""  # 16: YYYYMMDD or 长期


WIDTHS = {"name": 30, "sex": 2, "ethnicity": 4, "birth_date": 16, "address": 70,
          "id_number": 36, "authority": 30, "valid_from": 16, "valid_to": 16}  # fmt: skip


def encode_text(doc: IdDocument) -> bytes:
    """The 256-byte text block of a card."""
    out = b""
    for field in fields(doc):
        raw = getattr(doc, field.name).encode("utf-16-le")[: WIDTHS[field.name]]
        out += raw + " ".encode("utf-16-le") * ((WIDTHS[field.name] - len(raw)) // 2)
    return out + " ".encode("utf-16-le") * ((TEXT_BYTES - len(out)) // 2)


def decode_text(raw: bytes) -> IdDocument:
    """The text block back into fields (trailing spaces dropped)."""
    values, at = {}, 0
    for field in fields(IdDocument):
        width = WIDTHS[field.name]
        values[field.name] = raw[at : at + width].decode("utf-16-le", "replace").strip()
        at += width
    return IdDocument(**values)


def checksum(data: bytes) -> int:
    """XOR of every byte."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def frame(payload: bytes) -> bytes:
    """A frame carrying ``payload``."""
    length = (len(payload) + 1).to_bytes(2, "big")
    return PREAMBLE + length + payload + bytes([checksum(length + payload)])


class FrameError(ValueError):
    """A frame that is not one: wrong preamble or checksum."""


def read_frame(read: object) -> bytes:
    """One frame's payload from ``read(n)`` (a serial port's read); ``FrameError`` if broken,
    ``TimeoutError`` when nothing came."""
    head = read(7)  # type: ignore[operator]
    if len(head) < 7:
        raise TimeoutError("the ID reader did not answer")
    if head[:5] != PREAMBLE:
        raise FrameError("not an ID reader frame")
    length = int.from_bytes(head[5:7], "big")
    body = read(length)  # type: ignore[operator]
    if len(body) < length:
        raise TimeoutError("the ID reader's answer was cut short")
    payload, check = body[:-1], body[-1]
    if checksum(head[5:7] + payload) != check:
        raise FrameError("the ID reader's frame failed its checksum")
    return payload
