"""The card centre's door for its own area: admin sign-in, client management, the audit trail
and usage statistics under ``/api/v1/admin``."""

from __future__ import annotations

from datetime import timedelta

from api.admin import administration, service, stats, users
from api.admin.schemas import (
    AuditEntryOut,
    AuditOut,
    AuditQuery,
    MeOut,
    ReachOut,
    SessionOut,
    SessionRequest,
    StatsAnswer,
    StatsOut,
    StatsQuery,
    UserCreate,
    UserCreated,
    UserList,
    UserOut,
)
from api.auth.models import Client
from api.auth.schemas import ClientCreate, ClientCreated, ClientList, ClientOut
from api.indicators import export
from api.indicators.schemas import IndicatorRowOut, IndicatorsOut
from api.timefmt import today
from api.web.caller import caller_of, ctx_of, origin_of
from api.web.endpoint import admin_route, api_route
from api.web.http import Request, Response, StreamingResponse


def client_out(client: Client, secret: str | None = None) -> ClientCreated:
    """A client as the admin API shows it (the secret only when just made)."""
    return ClientCreated(
        client_id=client.client_id,
        name=client.name,
        kind=client.kind,
        scopes=list(client.scopes),
        status=client.status,
        institution_code=client.institution_code,
        signature_type="SM2" if client.sm2_public_key else "HMAC-SM3",
        created_at=client.created_at,
        client_secret=secret,
    )


async def create_session(request: Request, body: SessionRequest) -> SessionOut:
    """Sign in with username, password and the authenticator's current code."""
    token, ttl = await service.sign_in(
        ctx_of(request), body.username, body.password, body.totp, origin_of(request)
    )
    return SessionOut(token=token, expires_in=ttl)


async def end_session(request: Request) -> None:
    """Sign out: this session's token stops working."""
    token = request.headers["authorization"].partition(" ")[2].strip()
    await service.sign_out(ctx_of(request), caller_of(request), token)


async def create_client(request: Request, body: ClientCreate) -> ClientCreated:
    """Register a partner, terminal or peer client; its secret is shown only in this answer."""
    client, secret = await administration.create_client(
        ctx_of(request), caller_of(request), body.model_dump()
    )
    return client_out(client, secret)


async def list_clients(request: Request) -> ClientList:
    """Every registered client (never their secrets)."""
    found = await administration.list_clients(caller_of(request), request.query_params.get("kind"))
    return ClientList(clients=[ClientOut(**client_out(c).model_dump()) for c in found])


async def revoke_client(request: Request) -> ClientOut:
    """Revoke a client: its tokens end and it can sign no more."""
    client = await administration.revoke_client(
        ctx_of(request), caller_of(request), request.path_params["client_id"]
    )
    return ClientOut(**client_out(client).model_dump())


async def rotate_client_secret(request: Request) -> ClientCreated:
    """Give an HMAC client a new secret, shown once; the old one stops working."""
    client, secret = await administration.rotate_client_secret(
        ctx_of(request), caller_of(request), request.path_params["client_id"]
    )
    return client_out(client, secret)


async def list_audit(request: Request, query: AuditQuery) -> AuditOut:
    """Who read or changed what, newest first."""
    found = await administration.audit_entries(caller_of(request), query.model_dump())
    return AuditOut(entries=[AuditEntryOut.model_validate(e) for e in found])


async def show_stats(request: Request, query: StatsQuery) -> dict | Response:
    """Cards issued and used, by day, institution and channel (default: the last 30 days).

    With ``group_by``: the guide's indicators as rows (cards collected, cards used, uses,
    collection rate by region) for that key, inside ``region`` when given; ``format=csv`` or
    ``xlsx`` downloads the same rows.

    ``used`` counts distinct cards per day and adds the days up: over a range, a card used on
    three of its days counts three times (the daily figures sum; no range re-scans the uses)."""
    tz = ctx_of(request).settings.timezone
    last = query.last or today(tz)
    first = query.first or last - timedelta(days=29)
    if query.group_by:
        rows = await administration.indicator_rows(
            caller_of(request), first, last, query.group_by, tz, query.region
        )
        if query.format != "json":
            name = export.filename(
                query.group_by, first.isoformat(), last.isoformat(), query.format
            )
            return StreamingResponse(
                export.pieces(rows, query.format, f"{query.group_by} {first}..{last}"),
                media_type=export.MEDIA_TYPES[query.format],
                headers={"content-disposition": f'attachment; filename="{name}"'},
            )
        answer = IndicatorsOut(first=first, last=last, group_by=query.group_by,
                               rows=[IndicatorRowOut.model_validate(r) for r in rows])  # fmt: skip
        return answer.model_dump(mode="json", by_alias=True)
    within = await administration.stats_reach(caller_of(request))
    figures = StatsOut(first=first, last=last, issued=await stats.issued(first, last, tz, within),
                       used=await stats.used(first, last, tz, within))  # fmt: skip
    return figures.model_dump(mode="json", by_alias=True)


async def show_me(request: Request) -> MeOut:
    """Who you are signed in as: your role, its scope and reach, and every action your role
    grants (computed by the same policy that checks each call). The console offers only these.
    """
    found = users.me(caller_of(request))
    return MeOut(username=found.username, role=found.role, scope=found.scope,
                 reach=ReachOut(region_prefix=found.reach.region_prefix,
                                institution_code=found.reach.institution_code),
                 actions=found.actions, grantable_roles=found.grantable_roles)  # fmt: skip


def user_out(user: object) -> UserOut:
    """A staff account as the admin API shows it."""
    return UserOut.model_validate(user)


async def create_user(request: Request, body: UserCreate) -> UserCreated:
    """Create a staff account with a role and a scope; its one-time password and TOTP
    enrolment are shown only in this answer."""
    made = await users.create_user(
        ctx_of(request), caller_of(request), body.username, body.role, body.scope
    )
    return UserCreated(username=made.user.username, role=made.user.role, scope=made.user.scope,
                       password=made.password, totp_uri=made.totp_uri,
                       totp_qr_svg=made.totp_qr_svg)  # fmt: skip


async def list_users(request: Request) -> UserList:
    """Staff accounts inside your scope."""
    return UserList(users=[user_out(u) for u in await users.list_users(caller_of(request))])


async def disable_user(request: Request) -> UserOut:
    """Disable a staff account: it signs in no more and its sessions end at once."""
    user = await users.disable_user(
        ctx_of(request), caller_of(request), request.path_params["username"]
    )
    return user_out(user)


routes = [
    api_route(
        "POST",
        "/api/v1/admin/sessions",
        create_session,
        body=SessionRequest,
        response=SessionOut,
        status=201,
        tags=["admin"],
        errors=["BAD_CREDENTIALS", "ACCOUNT_LOCKED"],
    ),
    admin_route("DELETE", "/api/v1/admin/sessions", end_session),
    admin_route("GET", "/api/v1/admin/me", show_me, response=MeOut),
    admin_route(
        "POST",
        "/api/v1/admin/clients",
        create_client,
        body=ClientCreate,
        response=ClientCreated,
        status=201,
    ),
    admin_route("GET", "/api/v1/admin/clients", list_clients, response=ClientList),
    admin_route(
        "POST", "/api/v1/admin/clients/{client_id}/revoke", revoke_client, response=ClientOut
    ),
    admin_route(
        "POST",
        "/api/v1/admin/clients/{client_id}/rotate",
        rotate_client_secret,
        response=ClientCreated,
    ),
    admin_route(
        "POST",
        "/api/v1/admin/users",
        create_user,
        body=UserCreate,
        response=UserCreated,
        status=201,
        errors=["CONFLICT", "FORBIDDEN"],
    ),  # fmt: skip
    admin_route("GET", "/api/v1/admin/users", list_users, response=UserList),
    admin_route(
        "POST", "/api/v1/admin/users/{username}/disable", disable_user, response=UserOut
    ),  # fmt: skip
    admin_route("GET", "/api/v1/admin/audit", list_audit, query=AuditQuery, response=AuditOut),
    admin_route(
        "GET",
        "/api/v1/admin/stats",
        show_stats,
        query=StatsQuery,
        response=StatsAnswer,
        errors=["VALIDATION_ERROR"],
    ),
]
