"""uvicorn's httptools protocol with the limits it lacks: a ceiling on a request's head (request
line and headers) and deadlines for reading the head and the body.

uvicorn bounds header size only on h11 (``h11_max_incomplete_event_size``); on httptools, the
parser we run for speed, one 8 MB header was accepted and ten half-sent ones grew the process
by ~90 MB. A client that stops half-way through its head or body was waited for forever.

- head over ``MAX_HEAD_BYTES``: 431 and the connection is closed;
- head not complete ``HEAD_SECONDS`` after its first byte (or after the connection opened):
  408 and closed;
- body not complete ``BODY_SECONDS`` after the head: the connection is closed (the handler
  reading it sees the client gone).

It also sends a response's head and body in one write (:class:`CoalescingTransport`): uvicorn
writes them apart, and on a busy machine each write to a socket was ~15 % of a verification's
CPU (bench/README.md, the profile).

Used by ``ehc serve``, ``ehc demo`` and the test server (``server_config``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024
HEAD_SECONDS = 10.0
BODY_SECONDS = 30.0


_HEAD = b"HTTP/1.1 "
_CONTINUE = b"HTTP/1.1 100 "


class CoalescingTransport:
    """A transport that holds a response's head until the next write (its body) and sends
    both at once. A head is never held past the current turn of the event loop (a streamed
    response's head leaves at once, before its first chunk is ready), nor past ``close``;
    ``100 Continue`` is never held. Everything else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._held is not None:
            data, self._held = self._held + data, None
        elif data.startswith(_HEAD) and not data.startswith(_CONTINUE):
            self._held = data
            self._loop.call_soon(self.flush)
            return
        self._transport.write(data)

    def flush(self) -> None:
        """Send a head still held."""
        if self._held is not None:
            data, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a head ceiling and read deadlines, writing each response's head
    and body together (module docstring)."""

    head_seconds = HEAD_SECONDS
    body_seconds = BODY_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Cycles write through the protocol's transport; flow control keeps the real one.
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        self._head_bytes = 0
        self._in_head = True
        self._deadline: asyncio.TimerHandle | None = None
        self._arm(self.head_seconds, 408)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Counted after feeding: the chunk that ends the head may carry body bytes too.
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse(431)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # the next request on a kept-alive connection
            self._in_head, self._head_bytes = True, 0
            self._arm(self.head_seconds, 408)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._arm(self.body_seconds, None)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, status: int | None) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire, status)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self, status: int | None) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if status is None:  # mid-body: a handler may be answering; just hang up
            self.transport.close()
        else:
            self._refuse(status)

    def _refuse(self, status: int) -> None:
        self._disarm()
        reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-length: 0\r\nconnection: close\r\n\r\n" % (status, reason)
        )
        self.transport.close()


def server_options(
    head_seconds: float = HEAD_SECONDS, body_seconds: float = BODY_SECONDS
) -> dict[str, Any]:
    """The uvicorn options every way of serving the API shares (other deadlines: tests)."""
    protocol = LimitedHttpToolsProtocol
    if (head_seconds, body_seconds) != (HEAD_SECONDS, BODY_SECONDS):
        limits = {"head_seconds": head_seconds, "body_seconds": body_seconds}
        protocol = type("TunedHttpToolsProtocol", (LimitedHttpToolsProtocol,), limits)
    return {"http": protocol, "server_header": False}


def server_config(
    app: Any,
    *,
    head_seconds: float = HEAD_SECONDS,
    body_seconds: float = BODY_SECONDS,
    **options: Any,
) -> uvicorn.Config:
    """A uvicorn config for ``app`` with :func:`server_options`."""
    return uvicorn.Config(app, **{**server_options(head_seconds, body_seconds), **options})
