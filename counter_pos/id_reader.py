"""Reading an ID card (二代身份证) through an ID reader on a serial line (pyserial: a port such
as ``/dev/ttyUSB0``, or any URL it takes). Find, select, read: see ``id_document``."""

from __future__ import annotations

import threading

from counter_pos.id_document import (
    FIND,
    FOUND,
    OK,
    READ,
    SELECT,
    FrameError,
    IdDocument,
    decode_text,
    frame,
    read_frame,
)

TIMEOUT = 3.0  # seconds for one answer


class IdReaderError(Exception):
    """The ID reader failed; ``str()`` says what to do at the counter."""


class NoDocumentError(IdReaderError):
    """No ID card on the reader."""


class IdReaderUnavailable(IdReaderError):
    """The reader does not answer (unplugged, wrong port)."""


class IdReader:
    """One ID reader on one serial line (one conversation at a time)."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.port, self.baudrate = port, baudrate
        self._lock = threading.Lock()

    def read(self) -> IdDocument:
        """The ID card on the reader (blocks: call it on a worker thread)."""
        import serial

        with self._lock:
            try:
                line = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=TIMEOUT)
            except (serial.SerialException, OSError) as exc:
                raise IdReaderUnavailable("the ID reader is not connected") from exc
            try:
                return self._conversation(line)
            except (TimeoutError, FrameError, serial.SerialException, OSError) as exc:
                raise IdReaderUnavailable(f"the ID reader is not answering ({exc})") from exc
            finally:
                line.close()

    def _conversation(self, line: object) -> IdDocument:
        found = self._ask(line, FIND)
        if found[2] != FOUND:
            raise NoDocumentError("no ID card on the reader; place the card on it")
        if self._ask(line, SELECT)[2] != OK:
            raise NoDocumentError("the ID card could not be selected; place it again")
        answer = self._ask(line, READ)
        if answer[2] != OK:
            raise IdReaderError("the ID card could not be read; place it again")
        text_length = int.from_bytes(answer[3:5], "big")
        return decode_text(answer[7 : 7 + text_length])

    @staticmethod
    def _ask(line: object, command: bytes) -> bytes:
        line.reset_input_buffer()  # type: ignore[attr-defined]
        line.write(frame(command))  # type: ignore[attr-defined]
        answer = read_frame(line.read)  # type: ignore[attr-defined]
        if len(answer) < 3:
            raise FrameError("the ID reader's answer is too short")
        return answer
