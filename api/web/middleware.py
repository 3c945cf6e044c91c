"""The request's edge, one pure-ASGI layer: request ids, the body-size ceiling, security
headers, request metrics and the JSON access log line.

One layer (not one per concern, not BaseHTTPMiddleware) because it sits on every request's hot
path: each layer costs a call, a wrapped ``send`` and its own pass over the headers.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ehc.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


# Every answer: no MIME sniffing, no framing, no referrer leaking a path, and a policy that lets
# pages load only their own scripts and styles (the /docs page sends its own, with the hashes of
# its inline script and style). Inline SVG (the card's QR code) is markup, not a style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CSP.encode()),
    # Tokens, sessions, codes and personal data must not linger in a cache; a response that
    # may be cached says so itself.
    (b"cache-control", b"no-store"),
)


def answer_headers(
    scope: Scope, present: frozenset[bytes] = frozenset()
) -> list[tuple[bytes, bytes]]:
    """The headers added to every answer: the request id and those of ``SECURITY_HEADERS`` the
    response did not set itself (``present``: its header names, lower case)."""
    added = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
    request_id = scope.get("ehc.request_id")
    if request_id:
        added.append((b"x-request-id", request_id.encode()))
    return added


class Recorder(Protocol):
    """Counts an answered request (``api.web.metrics.RequestRecorder``)."""

    def record(self, scope: Scope, status: int, seconds: float) -> None: ...


# Streamed bulk uploads (read and processed as they arrive) may be larger.
UPLOADS = frozenset({"/api/v1/admin/patients/import"})
UPLOAD_FACTOR = 256
_TOO_LARGE = {"error": {"code": "PAYLOAD_TOO_LARGE", "message": "request body too large"}}


class RequestEdgeMiddleware:
    """The one layer every request passes before the router (pure ASGI, one pass over the
    request's headers): gives the request an id (``X-Request-ID`` echoed or made), refuses a
    declared ``Content-Length`` over ``limit`` before anything is read (413), adds the security
    headers (:func:`answer_headers`), hands status and duration to ``recorder`` and logs one
    JSON line.

    The line holds method, path (never the query string, which may carry a phone number),
    status and duration: no personal datum. Bodies without a length (chunked) are counted as
    they are read in ``bodies.read_body``.
    """

    def __init__(self, app: ASGIApp, limit: int, recorder: Recorder | None = None) -> None:
        self.app = app
        self.limit = limit
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = length = None
        for name, value in scope["headers"]:
            if name == b"x-request-id" and incoming is None:
                incoming = value.decode("latin-1")
            elif name == b"content-length" and length is None:
                length = value
        request_id = incoming if incoming and _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope["ehc.request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers += answer_headers(scope, frozenset(k.lower() for k, _ in headers))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if length is not None and self._too_large(length, scope["path"]):
                await _send_json(send_with_id, 413, _TOO_LARGE)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            if self.recorder is not None:
                self.recorder.record(scope, status, elapsed)
            if log.isEnabledFor(logging.INFO):
                fields = {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                }
                log.info("request", extra={"fields": fields})

    def _too_large(self, length: bytes, path: str) -> bool:
        limit = self.limit * (UPLOAD_FACTOR if path in UPLOADS else 1)
        return not length.isdigit() or int(length) > limit


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and structured fields.

    The time is formatted once per second (it has no finer part), not once per line."""

    _second = -1
    _stamp = ""

    def _ts(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:
            self._stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
            self._second = second
        return self._stamp

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": self._ts(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """JSON logs on stderr for the whole process."""
    # Our lines never show the caller's file and line, thread or process: the logging HOWTO's
    # "Optimization" switches spare each record (one per request at least) from finding them.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
