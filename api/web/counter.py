"""Serving the clerk's page (``api/web/static/counter``) at ``/counter/`` and its sign-in.

The page signs in with the window's credentials or as a ``clerk`` (``api.counter.sign_in``),
talks to the public terminal API with the window's access token, and to counter-pos
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
from api.counter.sign_in import renew, sign_in, sign_in_clerk, sign_out
from api.errors import DomainError
from api.schemas import Body
from api.web.bodies import parse_body
from api.web.caller import ctx_of, origin_of

PAGE_DIR = Path(__file__).parent / "static" / "counter"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' blob: http://127.0.0.1:* http://localhost:*; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SignInRequest(Body):
    """The window's own credentials, or a clerk's (with the window's id, unless the clerk's
    institution has one counter window)."""

    terminal_id: key(64) | None = None
    terminal_secret: str | None = Field(default=None, min_length=1, max_length=256)
    username: key(64) | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)
    totp: str | None = Field(default=None, pattern=r"^\d{6}$")


async def sign_in_page(request: Request) -> Response:
    """``POST /counter/sign-in`` ``{"terminal_id", "terminal_secret"}`` or ``{"username",
    "password", "totp"[, "terminal_id"]}`` → ``{"access_token", "expires_in",
    "institution_code", "terminal_id", "terminal_name", "clerk"}`` (``clerk``: the username, or
    null for the window's own credentials)."""
    ctx = ctx_of(request)
    body = await parse_body(request, SignInRequest, ctx.settings.max_body_bytes)
    if body.username is not None:
        if body.password is None or body.totp is None:
            raise DomainError("VALIDATION_ERROR", "a clerk signs in with password and totp")
        token, terminal = await sign_in_clerk(
            ctx, body.username, body.password, body.totp, body.terminal_id, origin_of(request)
        )
    elif body.terminal_id is not None and body.terminal_secret is not None:
        token, terminal = await sign_in(ctx, body.terminal_id, body.terminal_secret)
    else:
        raise DomainError("VALIDATION_ERROR", "sign in with terminal_id and terminal_secret, "
                          "or with username, password and totp")  # fmt: skip
    return JSONResponse({
        "access_token": token.access_token, "expires_in": token.expires_in,
        "institution_code": terminal.institution_code, "terminal_id": terminal.terminal_id,
        "terminal_name": terminal.name, "clerk": body.username,
    })  # fmt: skip


def _page_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError("UNAUTHENTICATED", "missing bearer token")
    return token.strip()


async def renew_page_token(request: Request) -> Response:
    """``POST /counter/renew`` with a clerk's counter token as bearer → ``{"access_token",
    "expires_in"}``; the old token ends (a window's own credentials simply sign in again)."""
    fresh = await renew(ctx_of(request), _page_token(request))
    return JSONResponse({"access_token": fresh.access_token, "expires_in": fresh.expires_in})


async def sign_out_page(request: Request) -> Response:
    """``POST /counter/sign-out`` with the page's token as bearer: it ends now (204)."""
    await sign_out(ctx_of(request), _page_token(request))
    return Response(status_code=204)


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
        Route("/counter/renew", renew_page_token, methods=["POST"], include_in_schema=False),
        Route("/counter/sign-out", sign_out_page, methods=["POST"], include_in_schema=False),
        Route("/counter", to_page, include_in_schema=False),
        Mount("/counter", _PagePolicy(StaticFiles(directory=PAGE_DIR, html=True)), name="counter"),
    ]
