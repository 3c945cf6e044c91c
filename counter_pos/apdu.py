"""ISO 7816-4 command APDUs the reader sends (WS/T 543.4 uses this command set) and the status
words it understands."""

from __future__ import annotations

from dataclasses import dataclass

SW_OK = (0x90, 0x00)
SW_FILE_NOT_FOUND = (0x6A, 0x82)
SW_INS_NOT_SUPPORTED = (0x6D, 0x00)
SW_WRONG_P1P2 = (0x6B, 0x00)
SW_NO_EF_SELECTED = (0x69, 0x86)


def select_by_name(aid: bytes) -> list[int]:
    """SELECT a DF by its application name: 00 A4 04 00 Lc name."""
    return [0x00, 0xA4, 0x04, 0x00, len(aid), *aid]


def select_by_id(fid: int) -> list[int]:
    """SELECT an EF of the current DF by its 2-byte id: 00 A4 02 00 02 id."""
    return [0x00, 0xA4, 0x02, 0x00, 0x02, fid >> 8, fid & 0xFF]


def read_binary(offset: int = 0, length: int = 0) -> list[int]:
    """READ BINARY of the current EF: 00 B0 offset Le (Le 00 = up to 256 bytes)."""
    return [0x00, 0xB0, (offset >> 8) & 0x7F, offset & 0xFF, length & 0xFF]


@dataclass(frozen=True)
class Response:
    """A response APDU: data and status word."""

    data: bytes
    sw1: int
    sw2: int

    @property
    def ok(self) -> bool:
        """True for 9000."""
        return (self.sw1, self.sw2) == SW_OK

    @property
    def sw(self) -> str:
        """The status word as 4 hex digits (what the log shows)."""
        return f"{self.sw1:02X}{self.sw2:02X}"
