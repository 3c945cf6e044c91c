"""Who is calling: the authenticated principal plus where the call came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from api.auth.tokens import TokenCheck


@dataclass(frozen=True)
class Caller:
    """An authenticated caller. ``kind`` is ``client``, ``admin`` or ``resident``."""

    kind: str
    id: str
    scopes: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)
    ip: str | None = None
    request_id: str | None = None
    # Set on routes that fold the token's liveness read into their own round trip: until it is
    # settled, this caller is known only from claims the token had (see ``api_route``).
    token_check: TokenCheck | None = None

    def has_scope(self, scope: str) -> bool:
        """True when this caller was granted ``scope``."""
        return scope in self.scopes


@dataclass(frozen=True)
class Origin:
    """Where an unauthenticated call came from (for the audit trail and rate limits)."""

    ip: str | None
    request_id: str | None


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
