"""Admin accounts: creation, sign-in with password + TOTP, lock-out, sign-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F

from api import tokens
from api.admin import totp
from api.admin.models import AdminUser
from api.admin.passwords import dummy_hash, generate_password, hash_password, verify_password
from api.audit import service as audit
from api.context import AppContext
from api.errors import DomainError
from api.principals import Caller, Origin

TOTP_CONTEXT = "admin.totp"


@dataclass(frozen=True)
class NewAdmin:
    """What ``ehc admin create`` prints once: the password and the TOTP enrolment."""

    username: str
    password: str
    totp_secret: str
    provisioning_uri: str


async def create_admin(ctx: AppContext, username: str, *, reset: bool = False) -> NewAdmin:
    """Create an admin with a generated password and TOTP secret.

    ``reset`` replaces both for an existing account (the demo re-seeds its admin this way);
    otherwise an existing username is refused.
    """
    password = generate_password()
    secret = totp.new_secret()
    values = {
        "password_hash": hash_password(password),
        "totp_secret_sealed": ctx.keys.ring.seal(secret, context=TOTP_CONTEXT),
        "last_totp_step": 0,
        "failed_attempts": 0,
        "locked_until": None,
    }
    existing = await AdminUser.get_or_none(username=username)
    if existing and not reset:
        raise DomainError("CONFLICT", f"admin {username!r} already exists")
    if existing:
        await AdminUser.filter(id=existing.id).update(**values)
    else:
        await AdminUser.create(username=username, **values)
    return NewAdmin(username, password, secret, totp.provisioning_uri(secret, username))


def _locked_for(user: AdminUser, now: datetime) -> int:
    if user.locked_until and user.locked_until > now:
        return int((user.locked_until - now).total_seconds()) + 1
    return 0


async def _count_failure(ctx: AppContext, user: AdminUser, now: datetime) -> None:
    await AdminUser.filter(id=user.id).update(failed_attempts=F("failed_attempts") + 1)
    await user.refresh_from_db(fields=["failed_attempts"])
    if user.failed_attempts >= ctx.settings.admin_max_failures:
        until = now + timedelta(seconds=ctx.settings.admin_lock_seconds)
        await AdminUser.filter(id=user.id).update(locked_until=until, failed_attempts=0)


def _refuse() -> DomainError:
    return DomainError("BAD_CREDENTIALS", "wrong username, password or TOTP code")


async def sign_in(
    ctx: AppContext, username: str, password: str, code: str, origin: Origin
) -> tuple[str, int]:
    """Check password and TOTP; returns a session token and its lifetime.

    Five failures in a row lock the account for 15 minutes (both configurable). A TOTP code
    that signed in once is never accepted again: the step is advanced by a conditional update,
    so two simultaneous sign-ins with the same code cannot both pass.
    """
    now = datetime.now(UTC)
    user = await AdminUser.get_or_none(username=username, is_active=True)
    if user is None:
        verify_password(password, dummy_hash())
        await audit.record(origin, "admin.sign_in_failed", actor_type="admin", actor_id=username)
        raise _refuse()
    if wait := _locked_for(user, now):
        raise DomainError(
            "ACCOUNT_LOCKED",
            "too many failed sign-ins; try later",
            headers={"Retry-After": str(wait)},
        )
    secret = ctx.keys.ring.open(user.totp_secret_sealed, context=TOTP_CONTEXT)
    step = (
        totp.matching_step(secret, code) if verify_password(password, user.password_hash) else None
    )
    fresh = step is not None and await AdminUser.filter(id=user.id, last_totp_step__lt=step).update(
        last_totp_step=step, failed_attempts=0
    )
    if not fresh:
        await _count_failure(ctx, user, now)
        await audit.record(origin, "admin.sign_in_failed", actor_type="admin", actor_id=username)
        raise _refuse()
    ttl = ctx.settings.admin_session_ttl
    claims = {
        "kind": "admin",
        "sub": str(user.id),
        "scopes": ["admin"],
        "attrs": {"username": username},
    }
    token = await tokens.issue(ctx.kv, claims, ttl, group=f"admin:{user.id}")
    await audit.record(origin, "admin.sign_in", actor_type="admin", actor_id=username)
    return token, ttl


async def sign_out(ctx: AppContext, caller: Caller, token: str) -> None:
    """End this admin session."""
    await tokens.revoke(ctx.kv, token)
    await audit.record(caller, "admin.sign_out")
