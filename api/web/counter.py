"""Serving the clerk's page (``api/web/static/counter``) at ``/counter/`` and its sign-in.

The page talks to the public terminal API with the terminal's access token, and to counter-pos
on the clerk's PC (the ID reader) through its local API: its policy lets it connect to
loopback ports and nothing else outside this service; scripts and styles are its own files.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.bounds import key
from api.counter.sign_in import sign_in
from api.schemas import Body
from api.web.bodies import parse_body
from api.web.caller import ctx_of

PAGE_DIR = Path(__file__).parent / "static" / "counter"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' blob: http://127.0.0.1:* http://localhost:*; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SignInRequest(Body):
    terminal_id: key(64)
    terminal_secret: str = Field(min_length=1, max_length=256)


async def sign_in_page(request: Request) -> Response:
    """``POST /counter/sign-in`` ``{"terminal_id", "terminal_secret"}`` →
    ``{"access_token", "expires_in", "institution_code", "terminal_name"}``."""
    ctx = ctx_of(request)
    body = await parse_body(request, SignInRequest, ctx.settings.max_body_bytes)
    token, terminal = await sign_in(ctx, body.terminal_id, body.terminal_secret)
    return JSONResponse({
        "access_token": token.access_token, "expires_in": token.expires_in,
        "institution_code": terminal.institution_code, "terminal_name": terminal.name,
    })  # fmt: skip


class _PagePolicy:
    """The page's own content-security policy on every file it is served."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"content-security-policy", CSP.encode())]  # fmt: skip
            await send(message)

        await self.app(scope, receive, with_policy)


async def to_page(request: Request) -> Response:
    return RedirectResponse("/counter/")


def counter_routes() -> list[BaseRoute]:
    """The page, its sign-in and the redirect from ``/counter``."""
    return [
        Route("/counter/sign-in", sign_in_page, methods=["POST"], include_in_schema=False),
        Route("/counter", to_page, include_in_schema=False),
        Mount("/counter", _PagePolicy(StaticFiles(directory=PAGE_DIR, html=True)), name="counter"),
    ]
