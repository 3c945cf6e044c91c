"""Card-centre staff as the console manages them: users with a role and a scope
(``api.policy``), created with a one-time password and a TOTP enrolment shown once, listed
inside the manager's reach, disabled (their sessions end at once). Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

import segno

from api import policy, tokens
from api.admin import totp
from api.admin.models import AdminUser
from api.admin.passwords import generate_password, hash_password
from api.admin.service import TOTP_CONTEXT
from api.audit import service as audit
from api.context import AppContext
from api.errors import DomainError, not_found
from api.institutions import service as institutions
from api.policy import Place, Reach
from api.principals import Caller


@dataclass(frozen=True)
class NewUser:
    """What the creator is shown once."""

    user: AdminUser
    password: str
    totp_uri: str

    @property
    def totp_qr_svg(self) -> str:
        """The enrolment URI as a QR image for an authenticator app."""
        return segno.make(self.totp_uri, error="m").svg_inline(scale=4)


async def _place_of_scope(role: str, scope: str | None) -> Place:
    if not scope:
        return Place()
    if role in policy.INSTITUTION_ROLES or (
        role == "auditor" and not policy.is_region_scope(scope)
    ):
        place = await institutions.place_of(scope)
        if not await institutions.exists(scope):
            raise DomainError("VALIDATION_ERROR", f"no institution {scope}")
        return place
    return Place(region_code=scope)


async def create_user(
    ctx: AppContext, actor: Caller, username: str, role: str, scope: str | None
) -> NewUser:
    """A new staff account of ``role`` limited to ``scope``, inside the actor's own reach."""
    policy.require(actor, "user.manage")
    place = await _place_of_scope(role, scope)
    policy.check_grant(actor, role, scope, place)
    if await AdminUser.exists(username=username):
        raise DomainError("CONFLICT", f"user {username!r} exists")
    password = generate_password()
    secret = totp.new_secret()
    user = await AdminUser.create(
        username=username,
        password_hash=await ctx.cpu.run(hash_password, password),
        totp_secret_sealed=ctx.keys.ring.seal(secret, context=TOTP_CONTEXT),
        role=role,
        scope=scope or None,
        created_by=str(actor.attrs.get("username", actor.id)),
    )
    await audit.record(actor, "user.create", target_type="admin_user", target_id=username,
                       detail={"role": role, "scope": scope})  # fmt: skip
    return NewUser(user, password, totp.provisioning_uri(secret, username))


async def _places(users: list[AdminUser]) -> dict[str, Place]:
    return {u.username: await _place_of_scope_quiet(u.role, u.scope) for u in users}


async def _place_of_scope_quiet(role: str, scope: str | None) -> Place:
    try:
        return await _place_of_scope(role, scope)
    except DomainError:  # its institution was never registered: nobody's reach but the centre's
        return Place(institution_code=scope)


def _inside(reach: Reach, user: AdminUser, place: Place) -> bool:
    if reach.everything:
        return True
    if user.role == "centre_admin" or not user.scope:
        return False
    return reach.holds(user.role, place)


async def list_users(actor: Caller) -> list[AdminUser]:
    """Staff inside the actor's reach, by username."""
    reach = policy.require(actor, "user.read")
    users = await AdminUser.all().order_by("username")
    places = await _places(users)
    return [u for u in users if _inside(reach, u, places[u.username])]


async def disable_user(ctx: AppContext, actor: Caller, username: str) -> AdminUser:
    """Disable a staff account: it cannot sign in, and its sessions end at once."""
    reach = policy.require(actor, "user.manage")
    user = await AdminUser.get_or_none(username=username)
    if user is None or not _inside(reach, user, await _place_of_scope_quiet(user.role, user.scope)):
        raise not_found("user")
    if str(user.id) == actor.id:
        raise DomainError("INVALID_STATE", "you cannot disable your own account")
    await AdminUser.filter(id=user.id).update(is_active=False)
    await tokens.revoke_group(ctx.kv, f"admin:{user.id}")
    await audit.record(actor, "user.disable", target_type="admin_user", target_id=username)
    await user.refresh_from_db()
    return user


@dataclass(frozen=True)
class Me:
    """Who the signed-in staff member is and what the policy lets them do."""

    username: str
    role: str
    scope: str | None
    reach: Reach
    actions: list[str]
    grantable_roles: list[str]


def me(actor: Caller) -> Me:
    """The actor's role, scope, reach and granted actions, all from ``api.policy`` (the console
    offers only these; the services check each call again)."""
    return Me(
        username=str(actor.attrs.get("username", actor.id)),
        role=policy.role_of(actor),
        scope=actor.scope or None,
        reach=policy.reach_of(actor),
        actions=policy.granted(actor),
        grantable_roles=policy.grantable(actor),
    )


async def usernames_within(reach: Reach) -> set[str] | None:
    """The staff whose actions an auditor of ``reach`` may read (None: everyone's)."""
    if reach.everything:
        return None
    users = await AdminUser.all()
    places = await _places(users)
    return {u.username for u in users if _inside(reach, u, places[u.username])}
