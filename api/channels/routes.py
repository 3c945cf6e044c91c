"""Resident sessions through channel apps, and channel-app administration."""

from __future__ import annotations

from api.audit import service as audit
from api.channels import service
from api.channels.models import ChannelApp
from api.channels.schemas import (
    ChannelAppCreate,
    ChannelAppList,
    ChannelAppOut,
    SessionOut,
    SessionRequest,
)
from api.principals import Caller
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import api_route, authenticate
from api.web.http import Request

ADMIN = ("admin",)


def app_out(app: ChannelApp, secret: str | None = None) -> ChannelAppOut:
    """A channel app as the admin API shows it (never its keys)."""
    return ChannelAppOut(
        app_id=app.app_id,
        kind=app.kind,
        name=app.name,
        institution_code=app.institution_code,
        webhook_url=app.webhook_url,
        status=app.status,
        created_at=app.created_at,
        app_secret=secret,
    )


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


async def create_app(request: Request, body: ChannelAppCreate) -> ChannelAppOut:
    """Register a WeChat, Alipay or in-house channel app."""
    app, secret = await service.register_app(ctx_of(request), body)
    await audit.record(
        caller_of(request), "channel_app.create", target_type="channel_app", target_id=app.app_id
    )
    return app_out(app, secret)


async def list_apps(request: Request) -> ChannelAppList:
    """Every channel app."""
    return ChannelAppList(apps=[app_out(a) for a in await service.list_apps()])


async def disable_app(request: Request) -> ChannelAppOut:
    """Stop a channel app from opening new sessions."""
    return await _set_status(request, "disabled")


async def enable_app(request: Request) -> ChannelAppOut:
    """Let a disabled channel app open sessions again."""
    return await _set_status(request, "active")


async def _set_status(request: Request, status: str) -> ChannelAppOut:
    app_id = request.path_params["app_id"]
    app = await service.set_app_status(ctx_of(request), app_id, status)
    await audit.record(
        caller_of(request), f"channel_app.{status}", target_type="channel_app", target_id=app_id
    )
    return app_out(app)


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
    api_route(
        "DELETE", "/api/v1/channels/sessions", end_session, auth=("resident",), tags=["channels"]
    ),
    api_route(
        "POST",
        "/api/v1/admin/channel-apps",
        create_app,
        body=ChannelAppCreate,
        response=ChannelAppOut,
        status=201,
        auth=ADMIN,
        tags=["admin"],
    ),
    api_route(
        "GET",
        "/api/v1/admin/channel-apps",
        list_apps,
        response=ChannelAppList,
        auth=ADMIN,
        tags=["admin"],
    ),
    api_route(
        "POST",
        "/api/v1/admin/channel-apps/{app_id}/disable",
        disable_app,
        response=ChannelAppOut,
        auth=ADMIN,
        tags=["admin"],
    ),
    api_route(
        "POST",
        "/api/v1/admin/channel-apps/{app_id}/enable",
        enable_app,
        response=ChannelAppOut,
        auth=ADMIN,
        tags=["admin"],
    ),
]
