"""A stand-in ID reader on a pseudo-terminal: counter-pos opens the pty's other end as it
would a USB-serial ID reader. ``place(doc)`` puts an ID card on it, ``take()`` lifts it."""

from __future__ import annotations

import argparse
import os
import threading
import tty

from counter_pos.id_document import (
    FIND,
    FOUND,
    NO_CARD,
    OK,
    READ,
    SELECT,
    SELECT_FAILED,
    FrameError,
    IdDocument,
    encode_text,
    frame,
    read_frame,
)


class IdReaderSimulator:
    """An ID reader answering on a pseudo-terminal; its port is ``self.port``."""

    def __init__(self) -> None:
        self._master, slave = os.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self._slave = slave  # kept open so that the line stays up between counter-pos' opens
        self.document: IdDocument | None = None
        self._thread = threading.Thread(target=self._serve, name="id-reader", daemon=True)
        self._thread.start()

    def place(self, document: IdDocument) -> None:
        """Put an ID card on the reader."""
        self.document = document

    def take(self) -> None:
        """Lift the card off the reader."""
        self.document = None

    def close(self) -> None:
        """Unplug the reader."""
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = os.read(self._master, n - len(out))
            if not chunk:
                break
            out += chunk
        return out

    def _serve(self) -> None:
        while True:
            try:
                command = read_frame(self._read)
            except (FrameError, TimeoutError):
                continue  # noise on the line: wait for the next frame
            except OSError:
                return  # unplugged
            try:
                os.write(self._master, frame(self._answer(command)))
            except OSError:
                return

    def _answer(self, command: bytes) -> bytes:
        document = self.document
        if command == FIND:
            return bytes([0, 0, FOUND if document else NO_CARD])
        if command == SELECT:
            return bytes([0, 0, OK if document else SELECT_FAILED])
        if command == READ and document is not None:
            text = encode_text(document)
            return bytes([0, 0, OK]) + len(text).to_bytes(2, "big") + b"\x00\x00" + text
        return bytes([0, 0, 0x41])


def main(argv: list[str] | None = None) -> None:
    """``counter-pos sim-id-reader --name 张三 --id-number …``: an ID reader with that card on
    it, until Ctrl+C; prints the port to give ``counter-pos run --id-reader``."""
    parser = argparse.ArgumentParser(description="a stand-in ID card reader on a pty")
    parser.add_argument("--name", required=True)
    parser.add_argument("--id-number", required=True)
    parser.add_argument("--sex", default="1")
    args = parser.parse_args(argv)
    reader = IdReaderSimulator()
    number = args.id_number.upper()
    reader.place(IdDocument(name=args.name, sex=args.sex, ethnicity="01",
                            birth_date=number[6:14], address="北京市东城区演示路1号",
                            id_number=number, authority="北京市公安局东城分局",
                            valid_from="20200101", valid_to="20400101"))  # fmt: skip
    print(f"ID reader on {reader.port}; Ctrl+C unplugs it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        reader.close()


if __name__ == "__main__":
    main()
