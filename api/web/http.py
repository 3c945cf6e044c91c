"""The HTTP vocabulary the doors (each area's route modules) use; only ``api.web`` touches the
web framework, so the core never depends on it."""

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "RedirectResponse",
    "Request",
    "Response",
    "StreamingResponse",
]
