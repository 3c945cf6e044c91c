"""The small HTTP API that the HIS, kiosks and doctor stations call on the front-end box.

    GET  /healthz        → {"status", "core", "readers"}
    GET  /readers        → {"readers": [names]}
    POST /card/read      {"scene"?}              → identity + card_id + patient_id (chip card)
    POST /verify         {"qr", "scene"?, "with_identity"?}
                         → card_id, name_masked, age, patient_id, new_patient (QR); the full
                           identity only for a new patient record or with_identity (audited)
    POST /checkin        {"qr", "appointment_id"} → {"appointment_id", "queue_number", "ahead"}
    POST /id-card/read   → the ID card on the ID reader: {"name", "sex", "id_number", …}
    POST /id-card/issue  {"phone"?}             → the holder's card, issued or found
    GET  /events         → the latest scans and card reads, newest first

Errors are ``{"error": {"code", "message"}}`` as the card centre's are; the card centre's own
codes pass through unchanged. When ``token`` is set every call but /healthz needs
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from dataclasses import asdict
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from counter_pos import chip_reader
from counter_pos.core_client import CoreError
from counter_pos.desk import Desk, reader_error
from counter_pos.id_reader import IdReaderError, IdReaderUnavailable, NoDocumentError

READER_STATUS = {
    "NO_READER": 503,
    "NO_CARD": 404,
    "CARD_REMOVED": 409,
    "UNSUPPORTED_CARD": 422,
    "SOCIAL_SECURITY_CARD": 422,
    "READER_ERROR": 502,
}


class LocalError(Exception):
    """Bad input to the local API."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _body(request: Request, *required: str) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        raise LocalError("MALFORMED_JSON", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise LocalError("VALIDATION_ERROR", "the body must be a JSON object")
    for name in required:
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise LocalError("VALIDATION_ERROR", f"{name} is required")
    return body


def _id_reader_error(exc: IdReaderError) -> tuple[int, str]:
    if isinstance(exc, NoDocumentError):
        return 404, "NO_ID_CARD"
    if isinstance(exc, IdReaderUnavailable):
        return 503, "NO_ID_READER"
    return 502, "ID_READER_ERROR"


def create_local_app(
    desk: Desk, token: str | None = None, allow_origins: tuple[str, ...] = ()
) -> Starlette:
    """The local API over ``desk``; ``allow_origins`` may call it from a browser (the clerk's
    page at the card centre's ``/counter/``)."""

    async def healthz(request: Request) -> JSONResponse:
        readers = await asyncio.to_thread(chip_reader.list_readers)
        try:
            await desk.core.token()
            core = "ok"
        except CoreError as exc:
            core = exc.code
        status = 200 if core == "ok" else 503
        body = {"status": "ok" if status == 200 else "degraded", "core": core, "readers": readers}
        return JSONResponse(body, status_code=status)

    async def readers(request: Request) -> JSONResponse:
        return JSONResponse({"readers": await asyncio.to_thread(chip_reader.list_readers)})

    async def read_card(request: Request) -> JSONResponse:
        body = await _body(request)
        return JSONResponse(await desk.identify_chip(body.get("scene")))

    async def verify(request: Request) -> JSONResponse:
        body = await _body(request, "qr")
        asked = body.get("with_identity") is True
        return JSONResponse(await desk.verify(body["qr"], body.get("scene"), with_identity=asked))

    async def checkin(request: Request) -> JSONResponse:
        body = await _body(request, "qr", "appointment_id")
        return JSONResponse(await desk.check_in(body["qr"], body["appointment_id"]))

    async def read_id_card(request: Request) -> JSONResponse:
        return JSONResponse(asdict(await desk.read_id_document()))

    async def issue_from_id_card(request: Request) -> JSONResponse:
        body = await _body(request)
        phone = body.get("phone") if isinstance(body.get("phone"), str) else None
        return JSONResponse(await desk.issue_from_id_document(phone))

    async def on_id_reader_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, IdReaderError)
        status, code = _id_reader_error(exc)
        return _error(status, code, str(exc))

    async def events(request: Request) -> JSONResponse:
        return JSONResponse({"events": [asdict(e) for e in desk.recent]})

    async def on_core_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CoreError)
        return _error(exc.status, exc.code, exc.message)

    async def on_reader_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, chip_reader.ReaderError)
        error = reader_error(exc)
        return _error(READER_STATUS[error["code"]], error["code"], error["message"])

    async def on_local_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LocalError)
        return _error(exc.status, exc.code, exc.message)

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readers", readers),
            Route("/card/read", read_card, methods=["POST"]),
            Route("/verify", verify, methods=["POST"]),
            Route("/checkin", checkin, methods=["POST"]),
            Route("/id-card/read", read_id_card, methods=["POST"]),
            Route("/id-card/issue", issue_from_id_card, methods=["POST"]),
            Route("/events", events),
        ],
        exception_handlers={
            CoreError: on_core_error,
            chip_reader.ReaderError: on_reader_error,
            LocalError: on_local_error,
            IdReaderError: on_id_reader_error,
        },
    )
    if token:
        app.add_middleware(_BearerGuard, token=token)
    if allow_origins:  # outermost: a refused preflight still carries the CORS headers
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(allow_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])  # fmt: skip
    return app


class _BearerGuard:
    """Refuses calls without the local token (the box may serve a whole hospital LAN)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] != "/healthz":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = _error(401, "UNAUTHENTICATED", "a valid local token is required")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
