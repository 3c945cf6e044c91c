"""Barcode scanners: keyboard-wedge scanners type a line and Enter (read from stdin); serial
scanners send a line on a serial port (read with pyserial, any URL it takes: ``/dev/ttyUSB0``,
``socket://host:port``, ``loop://``).

Lines are read on a thread (both sources block) and handed to the event loop.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import IO

MAX_LINE = 1024  # a QR payload is < 100 characters; anything longer is noise


def open_source(spec: str, baudrate: int = 9600) -> IO[bytes]:
    """``-`` for stdin, otherwise a serial port or pyserial URL."""
    if spec == "-":
        return sys.stdin.buffer
    import serial

    return serial.serial_for_url(spec, baudrate=baudrate, timeout=None)  # type: ignore[no-any-return]


def clean(raw: bytes) -> str | None:
    """The scanned text of one line, or None for an empty or oversized line."""
    text = raw.decode("utf-8", "replace").strip().strip("\x00")
    if not text or len(text) > MAX_LINE:
        return None
    return text


class LineReader:
    """Reads lines from ``source`` on a daemon thread and awaits ``handle`` for each."""

    def __init__(
        self,
        source: IO[bytes],
        handle: Callable[[str], Awaitable[object]],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.source, self.handle, self.loop = source, handle, loop
        self.done = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name="scanner", daemon=True)

    def start(self) -> None:
        """Begin reading."""
        self._thread.start()

    def _run(self) -> None:
        try:
            for raw in iter(self.source.readline, b""):
                text = clean(raw)
                if text is not None:
                    asyncio.run_coroutine_threadsafe(self._dispatch(text), self.loop)
        except (OSError, ValueError):
            pass  # the port went away: the counter keeps running without its scanner
        finally:
            self.loop.call_soon_threadsafe(self.done.set)

    async def _dispatch(self, text: str) -> None:
        await self.handle(text)
