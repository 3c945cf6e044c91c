"""``POST /api/v1/auth/token``."""

from __future__ import annotations

from api.auth import service
from api.auth.schemas import TokenOut, TokenRequest
from api.web.caller import ctx_of
from api.web.endpoint import api_route
from api.web.http import Request


async def issue_token(request: Request, body: TokenRequest) -> TokenOut:
    """Exchange a signed request (HMAC-SM3 or SM2) for a bearer access token."""
    return await service.issue_access_token(ctx_of(request), body)


routes = [
    api_route(
        "POST",
        "/api/v1/auth/token",
        issue_token,
        body=TokenRequest,
        response=TokenOut,
        tags=["auth"],
        errors=["BAD_SIGNATURE", "REPLAYED", "STALE_TIMESTAMP", "CLIENT_REVOKED"],
    )
]
