"""The card centre's door of channels: registering, listing, enabling and disabling channel
apps."""

from __future__ import annotations

from api.channels import service
from api.channels.models import ChannelApp
from api.channels.schemas import ChannelAppCreate, ChannelAppList, ChannelAppOut
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


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


async def create_app(request: Request, body: ChannelAppCreate) -> ChannelAppOut:
    """Register a WeChat, Alipay or in-house channel app."""
    app, secret = await service.register_app(ctx_of(request), caller_of(request), body)
    return app_out(app, secret)


async def list_apps(request: Request) -> ChannelAppList:
    """Every channel app."""
    return ChannelAppList(apps=[app_out(a) for a in await service.list_apps(caller_of(request))])


async def disable_app(request: Request) -> ChannelAppOut:
    """Stop a channel app from opening new sessions."""
    return await _set_status(request, "disabled")


async def enable_app(request: Request) -> ChannelAppOut:
    """Let a disabled channel app open sessions again."""
    return await _set_status(request, "active")


async def _set_status(request: Request, status: str) -> ChannelAppOut:
    app_id = request.path_params["app_id"]
    app = await service.set_app_status(ctx_of(request), caller_of(request), app_id, status)
    return app_out(app)


APPS = "/api/v1/admin/channel-apps"
routes = [
    admin_route(
        "POST", APPS, create_app, body=ChannelAppCreate, response=ChannelAppOut, status=201
    ),
    admin_route("GET", APPS, list_apps, response=ChannelAppList),
    admin_route("POST", APPS + "/{app_id}/disable", disable_app, response=ChannelAppOut),
    admin_route("POST", APPS + "/{app_id}/enable", enable_app, response=ChannelAppOut),
]
