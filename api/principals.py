"""Who is acting: the principals of the core (residents, partners and terminals, admins) and
where an unauthenticated call came from. Plain values: the doors (HTTP, CLI, workers) build
them; services take them and never look at a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.tokens import TokenCheck


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

    @property
    def role(self) -> str | None:
        """An admin's role (``centre_admin``…; ``api.policy``), from its session's claims."""
        return self.attrs.get("role") if self.kind == "admin" else None

    @property
    def scope(self) -> str | None:
        """An admin's scope: a region code or an institution code (None: the whole centre)."""
        return self.attrs.get("scope") if self.kind == "admin" else None

    def has_scope(self, scope: str) -> bool:
        """True when this caller was granted ``scope``."""
        return scope in self.scopes


@dataclass(frozen=True)
class Origin:
    """Where an unauthenticated call came from (for the audit trail and rate limits)."""

    ip: str | None
    request_id: str | None


# A principal acting from the command line or a worker: no address, no request.
SYSTEM = Origin(ip=None, request_id=None)
