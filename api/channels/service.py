"""Channel apps and resident sessions: WeChat code2session, Alipay oauth token, in-house refs."""

from __future__ import annotations

import secrets

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import policy, tokens
from api.audit import service as audit
from api.auth import service as clients
from api.channels import platforms
from api.channels.models import ChannelApp, ChannelIdentity, ResidentUser
from api.channels.rsa_keys import is_rsa_pem
from api.channels.schemas import ChannelAppCreate, SessionOut, SessionRequest
from api.context import AppContext
from api.errors import DomainError, not_found
from api.principals import Caller


async def register_app(
    ctx: AppContext, actor: Caller, req: ChannelAppCreate
) -> tuple[ChannelApp, str | None]:
    """Register a channel app (audited). In-house apps get a partner client whose id is the app
    id and whose secret is returned once; WeChat and Alipay apps store the platform's keys
    sealed."""
    policy.require(actor, "centre.manage")
    partner_secret = None
    if req.kind == "inhouse":
        client, partner_secret = await clients.create_client(
            ctx, name=req.name, kind="partner", institution_code=req.institution_code
        )
        app_id, sealed = client.client_id, None
    else:
        secret = req.app_secret if req.kind == "wechat" else req.app_private_key
        if not req.app_id or not secret or (req.kind == "alipay" and not req.alipay_public_key):
            needed = "app_secret" if req.kind == "wechat" else "app_private_key, alipay_public_key"
            raise DomainError("VALIDATION_ERROR", f"a {req.kind} app needs app_id and {needed}")
        if req.kind == "alipay" and not (
            is_rsa_pem(secret, private=True) and is_rsa_pem(req.alipay_public_key, private=False)
        ):  # refused now rather than failing every later call to Alipay
            raise DomainError("VALIDATION_ERROR", "Alipay keys must be RSA keys in PEM")
        app_id = req.app_id
        sealed = ctx.keys.ring.seal(secret, context=platforms.SECRET_CONTEXT)
    if await ChannelApp.exists(app_id=app_id):
        raise DomainError("CONFLICT", f"channel app {app_id} already exists")
    app = await ChannelApp.create(
        app_id=app_id,
        kind=req.kind,
        name=req.name,
        institution_code=req.institution_code,
        secret_sealed=sealed,
        platform_public_key=req.alipay_public_key,
        webhook_url=req.webhook_url,
    )
    ctx.adapters.forget_app(app_id)
    await audit.record(actor, "channel_app.create", target_type="channel_app", target_id=app_id)
    return app, partner_secret


async def list_apps(actor: Caller) -> list[ChannelApp]:
    """Every channel app."""
    policy.require(actor, "centre.read")
    return await ChannelApp.all().order_by("created_at")


async def set_app_status(ctx: AppContext, actor: Caller, app_id: str, status: str) -> ChannelApp:
    """Enable or disable a channel app (a disabled one opens no new sessions); audited."""
    policy.require(actor, "centre.manage")
    app = await ChannelApp.get_or_none(app_id=app_id)
    if app is None:
        raise not_found("channel app")
    app.status = status
    await app.save(update_fields=["status"])
    ctx.adapters.forget_app(app_id)
    await audit.record(actor, f"channel_app.{status}", target_type="channel_app", target_id=app_id)
    return app


def _required(value: str | None, field: str, kind: str) -> str:
    if not value:
        raise DomainError("VALIDATION_ERROR", f"a {kind} session needs {field!r}")
    return value


async def _platform_user(
    ctx: AppContext, app: ChannelApp, req: SessionRequest, partner: Caller | None
) -> tuple[str, str]:
    """(scope, platform user id) proven by the platform, or by the partner for in-house apps."""
    if app.kind == "wechat":
        session = await ctx.adapters.channels.for_app(app).code_to_session(
            _required(req.code, "code", "WeChat")
        )
        return f"wechat:{app.app_id}", session.openid
    if app.kind == "alipay":
        user = await ctx.adapters.channels.for_app(app).auth_code_to_user(
            _required(req.auth_code, "auth_code", "Alipay")
        )
        return "alipay", user.user_id  # Alipay user ids are the same across apps
    ref = _required(req.user_ref, "user_ref", "in-house")
    if partner is None or partner.id != app.app_id:
        raise DomainError("CHANNEL_AUTH_FAILED", "in-house sessions need this app's access token")
    return f"inhouse:{app.app_id}", ref


async def _resident_for(scope: str, platform_user: str, app_id: str) -> str:
    """The user id of a platform user, made on first sight; a race makes one, not two."""
    found = await ChannelIdentity.get_or_none(scope=scope, platform_user=platform_user)
    if found:
        return found.user_id  # type: ignore[attr-defined]
    try:
        async with in_transaction():
            user = await ResidentUser.create(user_id="u_" + secrets.token_hex(12))
            await ChannelIdentity.create(
                scope=scope, platform_user=platform_user, user=user, app_id=app_id
            )
            return user.user_id
    except IntegrityError:
        found = await ChannelIdentity.get(scope=scope, platform_user=platform_user)
        return found.user_id  # type: ignore[attr-defined]


async def start_session(
    ctx: AppContext, app_id: str, req: SessionRequest, partner: Caller | None
) -> SessionOut:
    """Log a resident in through their channel app; the same platform user, the same user_id."""
    app = await ChannelApp.get_or_none(app_id=app_id)
    if app is None:
        raise not_found("channel app")
    if app.status != "active":
        raise DomainError("CHANNEL_DISABLED", "this channel app is disabled")
    scope, platform_user = await _platform_user(ctx, app, req, partner)
    user_id = await _resident_for(scope, platform_user, app.app_id)
    ttl = ctx.settings.session_ttl
    claims = {
        "kind": "resident",
        "sub": user_id,
        "scopes": ["resident"],
        "attrs": {"app_id": app.app_id, "channel": app.kind, "platform_user": platform_user},
    }
    token = await tokens.issue(ctx.kv, claims, ttl, group=f"user:{user_id}")
    return SessionOut(token=token, expires_in=ttl, user_id=user_id)


async def end_session(ctx: AppContext, token: str) -> None:
    """Log out: this session token stops working."""
    await tokens.revoke(ctx.kv, token)


async def inhouse_resident(app_id: str, user_ref: str) -> Caller:
    """The resident an in-house app's server names by its own ``user_ref`` (the partner has
    proven who it is; the same user as its sessions)."""
    app = await ChannelApp.get_or_none(app_id=app_id, kind="inhouse")
    if app is None or app.status != "active":
        raise DomainError("CHANNEL_DISABLED", "this in-house app is unknown or disabled")
    user_id = await _resident_for(f"inhouse:{app.app_id}", user_ref, app.app_id)
    return Caller(
        kind="resident",
        id=user_id,
        scopes=("resident",),
        attrs={"app_id": app.app_id, "channel": app.kind, "platform_user": user_ref},
    )
