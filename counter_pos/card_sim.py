"""A simulated chip card speaking the vpcd protocol, so that pyscard → pcscd → vsmartcard-vpcd
→ this card runs end to end without hardware.

vpcd waits for the card on TCP (35963 for the first virtual reader); the card is the client.
Frames are a 2-byte big-endian length and a payload. One-byte payloads are control: 0x00 power
off, 0x01 power on, 0x02 reset, 0x04 get ATR (only this one is answered, with the ATR).
Anything else is a command APDU, answered with data + SW1 SW2.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field

from counter_pos import apdu
from counter_pos.card_layout import (
    EF_EXTRA,
    EF_HOLDER,
    EF_ISSUER,
    HEALTH_AID,
    SSSE_AID,
    ExtraData,
    HealthCardRecord,
    HolderData,
    IssuerData,
    SocialSecurityHolder,
    SocialSecurityIssuer,
    SocialSecurityRecord,
    encode,
)

ATR = bytes.fromhex("3B8880014845414C544843415244")  # "HEALTHCARD" in the historical bytes
VPCD_PORT = 35963


@dataclass
class CardApplet:
    """What the card answers: applications by name, each with its EFs."""

    applications: dict[bytes, dict[int, bytes]] = field(default_factory=dict)
    current_app: dict[int, bytes] | None = None
    current_ef: bytes | None = None

    def reset(self) -> None:
        """Power cycle: nothing selected."""
        self.current_app, self.current_ef = None, None

    def handle(self, command: bytes) -> bytes:
        """Answer one command APDU."""
        if len(command) < 4:
            return bytes(apdu.SW_WRONG_P1P2)
        cla, ins, p1, p2 = command[:4]
        body = command[5 : 5 + command[4]] if len(command) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            app = self.applications.get(body)
            if app is None:
                return bytes(apdu.SW_FILE_NOT_FOUND)
            self.current_app, self.current_ef = app, None
            return bytes(apdu.SW_OK)
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(body, "big")
            if self.current_app is None or fid not in self.current_app:
                return bytes(apdu.SW_FILE_NOT_FOUND)
            self.current_ef = self.current_app[fid]
            return bytes(apdu.SW_OK)
        if ins == 0xB0:
            if self.current_ef is None:
                return bytes(apdu.SW_NO_EF_SELECTED)
            offset = ((p1 & 0x7F) << 8) | p2
            le = command[4] if len(command) == 5 else 0
            chunk = self.current_ef[offset : offset + (le or 256)]
            return chunk + bytes(apdu.SW_OK)
        return bytes(apdu.SW_INS_NOT_SUPPORTED)


def health_card(record: HealthCardRecord) -> CardApplet:
    """A resident health card holding ``record``."""
    files = {
        EF_ISSUER: encode(record.issuer),
        EF_HOLDER: encode(record.holder),
        EF_EXTRA: encode(record.extra),
    }
    return CardApplet({HEALTH_AID: files})


def social_security_card(record: HealthCardRecord | SocialSecurityRecord) -> CardApplet:
    """A social-security card (the SSSE application only, its EF05 card and EF06 holder in the
    social-security layout); a health card record is rewritten as the same person's."""
    if isinstance(record, HealthCardRecord):
        record = social_security_record(
            record.holder.name, record.holder.id_number, record.holder.sex,
            record.issuer.chip_serial or "SSC0000001",
        )  # fmt: skip
    return CardApplet(
        {SSSE_AID: {EF_ISSUER: encode(record.issuer), EF_HOLDER: encode(record.holder)}}
    )


def social_security_record(
    name: str, id_number: str, sex: str = "1", card_id_code: str = "SSC0000001"
) -> SocialSecurityRecord:
    """A social-security card as a demo social-security bureau would write it."""
    number = id_number.upper()
    return SocialSecurityRecord(
        issuer=SocialSecurityIssuer(
            card_id_code=card_id_code, issuer_code="110000D15600000500", issue_date="20200101",
            expiry_date="20300101", card_number="A" + number[-8:],
        ),
        holder=SocialSecurityHolder(
            id_number=number, name=name, sex=sex, birth_place=number[:6],
            birth_date=number[6:14],
        ),
    )  # fmt: skip


def unknown_card() -> CardApplet:
    """A card with no application we know (a bank card, a transit card…)."""
    return CardApplet({})


class SimulatedCard:
    """A card that can be inserted into (connected to) and pulled from a vpcd reader."""

    def __init__(
        self, applet: CardApplet, *, port: int = VPCD_PORT, drop_after: int | None = None
    ) -> None:
        self.applet = applet
        self.port = port
        self.drop_after = drop_after  # pull the card after this many APDUs (mid-read)
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self) -> None:
        """Put the card in the reader.

        As with a real reader, a card must be seen gone before the next one goes in: vpcd
        asks for the ATR every 0.4 s, and a card swapped faster than that is taken for the old,
        failed one (pcscd then never powers it).
        """
        self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, args=(self._sock,), daemon=True)
        self._thread.start()

    def pull(self) -> None:
        """Take the card out (at any moment, a read in progress included)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = _recv_exact(sock, 2)
                # vpcd writes the length and the APDU separately, with Nagle on: the APDU
                # waits until the length is ACKed, so ACK at once (the kernel clears the flag).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                payload = _recv_exact(sock, struct.unpack(">H", head)[0])
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                answer = self._answer(payload)
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except (OSError, ConnectionError):
            # Pulled (by pull() or drop_after), or vpcd went away: the contacts open.
            with contextlib.suppress(OSError):
                sock.close()

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            if payload[0] == 0x04:
                return ATR
            if payload[0] in (0x00, 0x01, 0x02):
                self.applet.reset()
            return None
        self.apdus += 1
        if self.drop_after is not None and self.apdus > self.drop_after:
            raise ConnectionError("pulled mid-read")
        return self.applet.handle(payload)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def main(argv: list[str] | None = None) -> None:
    """``counter-pos sim-card --name 张三 --id-number …``: a card in the reader until Ctrl+C."""
    parser = argparse.ArgumentParser(description="a simulated resident health card (vpcd)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--id-number", required=True)
    parser.add_argument("--sex", default="1")
    parser.add_argument("--chip-serial", default="SIM0000001")
    parser.add_argument("--port", type=int, default=VPCD_PORT)
    parser.add_argument("--profile", choices=("health", "social-security"), default="health")
    args = parser.parse_args(argv)
    if args.profile == "social-security":
        applet = social_security_card(
            social_security_record(args.name, args.id_number, args.sex, args.chip_serial)
        )
    else:
        applet = health_card(demo_record(args.name, args.id_number, args.sex, args.chip_serial))
    card = SimulatedCard(applet, port=args.port)
    card.insert()
    print("card inserted; Ctrl+C pulls it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        card.pull()


def demo_record(
    name: str,
    id_number: str,
    sex: str = "1",
    chip_serial: str = "SIM0000001",
    phone: str = "",
) -> HealthCardRecord:
    """A health card record as a demo card issuer would write it (with the holder's phone,
    when given, in EF06)."""
    number = id_number.upper()
    return HealthCardRecord(
        issuer=IssuerData(
            issuer_name="演示发卡机构",
            issuer_code="1100A0001",
            issue_date="20240101",
            card_number=number,
            chip_serial=chip_serial,
        ),
        holder=HolderData(name=name, sex=sex, birth_date=number[6:14], id_number=number),
        extra=ExtraData(phone1=phone),
    )


if __name__ == "__main__":
    main()
