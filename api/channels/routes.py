"""The residents' door of channels: a resident's session through a channel app."""

from __future__ import annotations

from api.channels import service
from api.channels.schemas import SessionOut, SessionRequest
from api.principals import Caller
from api.web.caller import ctx_of
from api.web.endpoint import api_route, authenticate, resident_route
from api.web.http import Request


async def create_session(request: Request, body: SessionRequest) -> SessionOut:
    """Log a resident in: WeChat ``code``, Alipay ``auth_code`` or in-house ``user_ref``."""
    partner: Caller | None = None
    if body.user_ref is not None:  # in-house: the partner's server vouches for its user
        partner = await authenticate(request, ("client",), "channel")
    return await service.start_session(
        ctx_of(request), request.path_params["app_id"], body, partner
    )


async def end_session(request: Request) -> None:
    """Log out of this resident session."""
    token = request.headers["authorization"].partition(" ")[2].strip()
    await service.end_session(ctx_of(request), token)


routes = [
    api_route(
        "POST",
        "/api/v1/channels/{app_id}/sessions",
        create_session,
        body=SessionRequest,
        response=SessionOut,
        status=201,
        tags=["channels"],
        errors=["CHANNEL_AUTH_FAILED", "CHANNEL_DISABLED", "NOT_FOUND", "UPSTREAM_UNAVAILABLE"],
    ),
    resident_route("DELETE", "/api/v1/channels/sessions", end_session, tags=["channels"]),
]
