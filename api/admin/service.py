"""Admin accounts: creation, sign-in with password + TOTP (lock-out in ``lockout.py``),
sign-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from api import tokens
from api.admin import lockout, totp
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


async def create_admin(
    ctx: AppContext,
    username: str,
    *,
    reset: bool = False,
    role: str | None = None,
    scope: str | None = None,
) -> NewAdmin:
    """Create an admin (a ``centre_admin`` unless ``role`` says) with a generated password and
    TOTP secret. A reset keeps the account's role and scope unless ``role`` is given.

    ``reset`` replaces both for an existing account (the demo re-seeds its admin this way);
    otherwise an existing username is refused.
    """
    password = generate_password()
    secret = totp.new_secret()
    values = {
        "password_hash": await ctx.cpu.run(hash_password, password),
        "totp_secret_sealed": ctx.keys.ring.seal(secret, context=TOTP_CONTEXT),
        "last_totp_step": 0,
        "failed_attempts": 0,
        "locked_until": None,
        "is_active": True,
    }
    if role is not None:
        values.update(role=role, scope=scope)
    existing = await AdminUser.get_or_none(username=username)
    if existing and not reset:
        raise DomainError("CONFLICT", f"admin {username!r} already exists")
    if existing:
        await AdminUser.filter(id=existing.id).update(**values)
        await lockout.clear(ctx.kv, username)
    else:
        await AdminUser.create(username=username, **values)
    return NewAdmin(username, password, secret, totp.provisioning_uri(secret, username))


def _locked_for(user: AdminUser, now: datetime) -> int:
    if user.locked_until and user.locked_until > now:
        return int((user.locked_until - now).total_seconds()) + 1
    return 0


def _password_matches(password: str, stored: str | None) -> bool:
    # An unknown username costs the same hashing as a known one.
    return verify_password(password, stored or dummy_hash()) and stored is not None


def _refuse() -> DomainError:
    return DomainError("BAD_CREDENTIALS", "wrong username, password or TOTP code")


async def sign_in(
    ctx: AppContext, username: str, password: str, code: str, origin: Origin
) -> tuple[str, int]:
    """Check password and TOTP; returns a session token and its lifetime.

    At most five failures per username within 15 minutes are evaluated, however concurrent,
    for unknown usernames too (api/admin/lockout.py); then 423 ``ACCOUNT_LOCKED``. Wrong
    password, unknown username and wrong code all answer ``BAD_CREDENTIALS``. The password is
    hashed on the CPU pool, never on the event loop. A TOTP code that signed in once is never
    accepted again: the step is advanced by a conditional update, so two simultaneous sign-ins
    with the same code cannot both pass.
    """
    settings = ctx.settings
    now = datetime.now(UTC)
    reservation = await lockout.reserve(
        ctx.kv, username, settings.admin_max_failures, settings.admin_lock_seconds
    )
    user = await AdminUser.get_or_none(username=username, is_active=True)
    if user is not None and (wait := _locked_for(user, now)):
        raise lockout.locked(wait)
    matches = await ctx.cpu.run(_password_matches, password, user.password_hash if user else None)
    step = None
    if user is not None and matches:
        secret = ctx.keys.ring.open(user.totp_secret_sealed, context=TOTP_CONTEXT)
        step = totp.matching_step(secret, code)
    fresh = (
        user is not None
        and step is not None
        and await AdminUser.filter(id=user.id, last_totp_step__lt=step).update(last_totp_step=step)
    )
    if not fresh or user is None:
        if user is not None and reservation.last:
            until = now + timedelta(seconds=settings.admin_lock_seconds)
            await AdminUser.filter(id=user.id).update(locked_until=until)
        await audit.record(origin, "admin.sign_in_failed", actor_type="admin", actor_id=username)
        raise _refuse()
    await lockout.give_back(ctx.kv, reservation)
    ttl = settings.admin_session_ttl
    claims = {
        "kind": "admin",
        "sub": str(user.id),
        "scopes": ["admin"],
        "attrs": {"username": username, "role": user.role, "scope": user.scope},
    }
    token = await tokens.issue(ctx.kv, claims, ttl, group=f"admin:{user.id}")
    await audit.record(origin, "admin.sign_in", actor_type="admin", actor_id=username)
    return token, ttl


async def sign_out(ctx: AppContext, caller: Caller, token: str) -> None:
    """End this admin session."""
    await tokens.revoke(ctx.kv, token)
    await audit.record(caller, "admin.sign_out")
