"""Pure-ASGI middleware: request ids, security headers, JSON access logs, request metrics and
the body-size ceiling.

Pure ASGI (not BaseHTTPMiddleware) because it sits on every request's hot path.
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


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class Recorder(Protocol):
    """Counts an answered request (``api.web.metrics.RequestRecorder``)."""

    def record(self, scope: Scope, status: int, seconds: float) -> None: ...


class RequestContextMiddleware:
    """Gives every request an id (``X-Request-ID`` echoed or made), adds the security headers
    (:func:`answer_headers`), logs one JSON line and hands status and duration to ``recorder``.

    The line holds method, path (never the query string, which may carry a phone number),
    status and duration: no personal datum.
    """

    def __init__(self, app: ASGIApp, recorder: Recorder | None = None) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
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
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            if self.recorder is not None:
                self.recorder.record(scope, status, elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "fields": {
                            "request_id": request_id,
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                        }
                    },
                )


# Streamed bulk uploads (read and processed as they arrive) may be larger.
UPLOADS = frozenset({"/api/v1/admin/patients/import"})
UPLOAD_FACTOR = 256


class BodyLimitMiddleware:
    """Refuses a declared ``Content-Length`` over the ceiling before reading anything.

    Bodies without a length (chunked) are counted as they are read in ``bodies.read_body``.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = _header(scope, b"content-length")
            limit = self.limit * (UPLOAD_FACTOR if scope["path"] in UPLOADS else 1)
            if length is not None and (not length.isdigit() or int(length) > limit):
                await _send_json(
                    send,
                    413,
                    {"error": {"code": "PAYLOAD_TOO_LARGE", "message": "request body too large"}},
                )
                return
        await self.app(scope, receive, send)


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
    """One JSON object per line: time, level, logger, message and structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
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
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
