"""Declaring an endpoint: its path, body and response shapes and who may call it.

``api_route`` wraps a handler so that routes stay thin: authenticate, parse, call, serialise.
The same declaration feeds /openapi.json, so the documented shapes are the validated ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from api import tokens
from api.bounds import PATH_PARAMETERS
from api.errors import DomainError
from api.principals import Caller
from api.web.bodies import parse_body, parse_path, parse_query
from api.web.caller import ctx_of
from api.web.docstrings import summary_and_description

Handler = Callable[..., Awaitable[Any]]
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class EndpointSpec:
    """What /openapi.json says about one endpoint."""

    method: str
    path: str
    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: tuple[str, ...]
    scope: str | None
    errors: tuple[str, ...] = field(default=())
    description: str = ""


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(
    request: Request, kinds: Sequence[str], scope: str | None, *, fold: bool = False
) -> Caller:
    """The caller behind the bearer token, if it is one of ``kinds`` holding ``scope``.

    With ``fold``, a token this worker has already seen alive is not read again here: the
    caller carries a :class:`~api.tokens.TokenCheck` that the handler settles in its own
    round trip to the store (and ``api_route`` settles it before answering if not).
    """
    token = _bearer(request)
    if token is None:
        raise DomainError("UNAUTHENTICATED", "missing bearer token")
    ctx = ctx_of(request)
    check = None
    seen = ("token", tokens.token_key(token)) if fold else None
    known = ctx.cache.get(seen) if seen else None
    if known is not None:
        raw, claims = known
        check = tokens.TokenCheck(seen[1], raw)
    else:
        raw = await tokens.resolve_raw(ctx.kv, token)
        if raw is None:
            raise DomainError("UNAUTHENTICATED", "token unknown or expired")
        claims = json.loads(raw)
        if seen:  # claims never change while the token lives
            ctx.cache.put(seen, (raw, claims))
    scopes = tuple(claims.get("scopes", ()))
    if claims.get("kind") not in kinds or (scope and scope not in scopes):
        if check:  # a token that is no more answers 401, whatever it may have been
            await check.confirm(ctx.kv)
        if claims.get("kind") not in kinds:
            raise DomainError("FORBIDDEN", "this token may not call this endpoint")
        raise DomainError("FORBIDDEN", f"token lacks the {scope!r} scope")
    return Caller(
        kind=claims["kind"],
        id=str(claims["sub"]),
        scopes=scopes,
        attrs=claims.get("attrs", {}),
        ip=request.client.host if request.client else None,
        request_id=request.scope.get("ehc.request_id"),
        token_check=check,
    )


def path_parameters(path: str) -> list[str]:
    """The names of a route path's parameters, in order."""
    return _PARAM.findall(path)


def serialise(result: Any, status: int) -> Response:
    """A handler's return value as a response (models dumped in JSON mode)."""
    if isinstance(result, Response):
        return result
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    if result is None:
        return Response(status_code=204 if status == 200 else status)
    return JSONResponse(result, status_code=status)


class _Asgi:
    """An endpoint as the route's ASGI app: Starlette's ``request_response`` less its own
    exception wrapper, a second copy of the one the app's ExceptionMiddleware already puts
    around the router with the same handlers (a wrapped ``send`` and a frame per request)."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


def api_route(
    method: str,
    path: str,
    handler: Handler,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: Sequence[str] = (),
    scope: str | None = None,
    fold_auth: bool = False,
    summary: str | None = None,
    tags: Sequence[str] = (),
    errors: Sequence[str] = (),
) -> Route:
    """A Starlette route whose handler is called as ``handler(request, [body], [query])``.

    ``auth`` lists the caller kinds allowed (``client``, ``admin``, ``resident``); empty means
    public. The authenticated :class:`Caller` is read in the handler with ``caller_of``.
    ``fold_auth`` (hot paths only) lets the handler read the token's liveness in its own round
    trip (``Caller.token_check``); whatever the handler does, no answer leaves before the token
    was found alive.
    """

    async def endpoint(request: Request) -> Response:
        check = None
        if auth:
            caller = await authenticate(request, auth, scope, fold=fold_auth)
            request.scope["ehc.caller"] = caller
            check = caller.token_check
        try:
            parse_path(request)
            args: list[Any] = []
            if body is not None:
                limit = ctx_of(request).settings.max_body_bytes
                args.append(await parse_body(request, body, limit))
            if query is not None:
                args.append(parse_query(request, query))
            result = await handler(request, *args)
        except DomainError:
            if check:  # a dead token answers 401 before any other refusal
                await check.confirm(ctx_of(request).kv)
            raise
        if check:
            await check.confirm(ctx_of(request).kv)
        return serialise(result, status)

    doc_summary, description = summary_and_description(handler.__doc__, handler.__name__)
    unknown = set(path_parameters(path)) - set(PATH_PARAMETERS)
    assert not unknown, f"give {unknown} a type in api.bounds.PATH_PARAMETERS"
    spec = EndpointSpec(
        method=method.upper(),
        path=path,
        summary=summary or doc_summary,
        description=description,
        tags=tuple(tags),
        body=body,
        query=query,
        response=response,
        status=status,
        auth=tuple(auth),
        scope=scope,
        errors=tuple(errors),
    )
    route = Route(path, _Asgi(endpoint), methods=[method.upper()], name=handler.__name__)
    route.spec = spec  # type: ignore[attr-defined]
    return route


# The three doors, each with one kind of credential (README, "Layout"): residents come with a
# channel session, terminals and peer centres with an access token scoped to their work,
# card-centre staff with an admin session.
RESIDENT = ("resident",)
TERMINAL = ("client",)
ADMIN = ("admin",)


def resident_route(method: str, path: str, handler: Handler, **declared: Any) -> Route:
    """A route of the residents' door (a channel session's bearer token)."""
    return api_route(method, path, handler, auth=RESIDENT, **declared)


def terminal_route(
    method: str,
    path: str,
    handler: Handler,
    *,
    scope: str = "pos",
    tags: Sequence[str] = ("terminals",),
    **declared: Any,
) -> Route:
    """A route of the terminals' door: an access token holding ``scope`` (``pos`` for
    counters, kiosks and doctor stations; ``peer`` for other card centres)."""
    return api_route(method, path, handler, auth=TERMINAL, scope=scope, tags=tags, **declared)


def admin_route(
    method: str, path: str, handler: Handler, *, tags: Sequence[str] = ("admin",), **declared: Any
) -> Route:
    """A route of the card centre's door (an admin session)."""
    return api_route(method, path, handler, auth=ADMIN, tags=tags, **declared)
