"""Declaring an endpoint: its path, body and response shapes and who may call it.

``api_route`` wraps a handler so that routes stay thin: authenticate, parse, call, serialise.
The same declaration feeds /openapi.json, so the documented shapes are the validated ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.auth import tokens
from api.context import ctx_of
from api.errors import DomainError
from api.web.bodies import parse_body, parse_query
from api.web.caller import Caller

Handler = Callable[..., Awaitable[Any]]


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


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(request: Request, kinds: Sequence[str], scope: str | None) -> Caller:
    """The caller behind the bearer token, if it is one of ``kinds`` holding ``scope``."""
    token = _bearer(request)
    if token is None:
        raise DomainError("UNAUTHENTICATED", "missing bearer token")
    claims = await tokens.resolve(ctx_of(request).kv, token)
    if claims is None:
        raise DomainError("UNAUTHENTICATED", "token unknown or expired")
    if claims.get("kind") not in kinds:
        raise DomainError("FORBIDDEN", "this token may not call this endpoint")
    scopes = tuple(claims.get("scopes", ()))
    if scope and scope not in scopes:
        raise DomainError("FORBIDDEN", f"token lacks the {scope!r} scope")
    return Caller(
        kind=claims["kind"],
        id=str(claims["sub"]),
        scopes=scopes,
        attrs=claims.get("attrs", {}),
        ip=request.client.host if request.client else None,
        request_id=request.scope.get("ehc.request_id"),
    )


def serialise(result: Any, status: int) -> Response:
    """A handler's return value as a response (models dumped in JSON mode)."""
    if isinstance(result, Response):
        return result
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    if result is None:
        return Response(status_code=204 if status == 200 else status)
    return JSONResponse(result, status_code=status)


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
    summary: str | None = None,
    tags: Sequence[str] = (),
    errors: Sequence[str] = (),
) -> Route:
    """A Starlette route whose handler is called as ``handler(request, [body], [query])``.

    ``auth`` lists the caller kinds allowed (``client``, ``admin``, ``resident``); empty means
    public. The authenticated :class:`Caller` is read in the handler with ``caller_of``.
    """

    async def endpoint(request: Request) -> Response:
        if auth:
            request.scope["ehc.caller"] = await authenticate(request, auth, scope)
        args: list[Any] = []
        if body is not None:
            args.append(await parse_body(request, body, ctx_of(request).settings.max_body_bytes))
        if query is not None:
            args.append(parse_query(request, query))
        return serialise(await handler(request, *args), status)

    spec = EndpointSpec(
        method=method.upper(),
        path=path,
        summary=summary or (handler.__doc__ or handler.__name__).strip().splitlines()[0],
        tags=tuple(tags),
        body=body,
        query=query,
        response=response,
        status=status,
        auth=tuple(auth),
        scope=scope,
        errors=tuple(errors),
    )
    route = Route(path, endpoint, methods=[method.upper()], name=handler.__name__)
    route.spec = spec  # type: ignore[attr-defined]
    return route
