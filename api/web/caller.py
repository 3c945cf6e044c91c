"""What an HTTP request carries for the core: the application context, the authenticated
principal, where it came from (the core types live in ``api.principals`` and ``api.context``)."""

from __future__ import annotations

from starlette.requests import Request

from api.context import AppContext
from api.principals import Caller, Origin


def ctx_of(request: Request) -> AppContext:
    """The application context of a request."""
    return request.state.ctx  # type: ignore[no-any-return]


def origin_of(request: Request) -> Origin:
    """The client address and request id of a request."""
    ip = request.client.host if request.client else None
    return Origin(ip=ip, request_id=request.scope.get("ehc.request_id"))


def caller_of(request: Request) -> Caller:
    """The caller the endpoint wrapper authenticated (routes with ``auth=`` only)."""
    caller = request.scope.get("ehc.caller")
    if caller is None:  # a route forgot auth=: fail closed
        raise RuntimeError("route has no authentication configured")
    return caller
