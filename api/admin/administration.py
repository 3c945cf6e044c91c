"""The admin door's reads and changes of clients, the audit trail and the figures, checked
against the actor's role and scope (api/policy.py). Terminal clients belong to their
institution; partner and peer clients to the whole centre."""

from __future__ import annotations

from datetime import date
from typing import Any

from api import policy
from api.admin import users
from api.audit import service as audit
from api.audit.models import AuditEntry
from api.auth import service as clients
from api.auth.models import Client
from api.context import AppContext
from api.errors import DomainError, not_found
from api.indicators import service as indicators
from api.indicators.service import IndicatorRow
from api.institutions import service as institutions
from api.principals import Caller


async def _check_client(actor: Caller, client: Client, verb: str) -> None:
    if client.kind == "terminal":
        place = await institutions.place_of(client.institution_code)
        policy.check(actor, f"terminal.{verb}", place, "client")
    else:
        policy.require(actor, f"centre.{verb}")


async def create_client(
    ctx: AppContext, actor: Caller, fields: dict[str, Any]
) -> tuple[Client, str | None]:
    """Register a partner, terminal or peer client (audited)."""
    if fields.get("kind") == "terminal":
        policy.check(actor, "terminal.manage", await institutions.place_of(
            fields.get("institution_code")), "institution")  # fmt: skip
        await institutions.refuse_inactive(fields.get("institution_code") or "")
    else:
        policy.require(actor, "centre.manage")
    return await clients.create_client(ctx, **fields, actor=actor)


async def list_clients(actor: Caller, kind: str | None) -> list[Client]:
    """The clients inside the actor's reach (terminals only, unless centre-wide)."""
    if policy.may(actor, "centre.read"):
        return await clients.list_clients(kind)
    reach = policy.require(actor, "terminal.read")
    codes = await institutions.codes_within(reach)
    found = await clients.list_clients("terminal") if kind in (None, "terminal") else []
    return [c for c in found if codes is None or c.institution_code in codes]


async def revoke_client(ctx: AppContext, actor: Caller, client_id: str) -> Client:
    """Revoke a client inside the actor's reach."""
    await _check_client(actor, await clients.get_client(client_id), "manage")
    return await clients.revoke_client(ctx, client_id, actor)


async def rotate_client_secret(
    ctx: AppContext, actor: Caller, client_id: str
) -> tuple[Client, str]:
    """A new secret for a client inside the actor's reach."""
    await _check_client(actor, await clients.get_client(client_id), "manage")
    return await clients.rotate_secret(ctx, client_id, actor)


async def audit_entries(actor: Caller, filters: dict[str, Any]) -> list[AuditEntry]:
    """The audit trail the actor may read: everything for the centre, else the actions of the
    staff inside its reach."""
    reach = policy.require(actor, "audit.read")
    return await audit.entries(**filters, actors=await users.usernames_within(reach))


async def stats_reach(actor: Caller) -> set[str] | None:
    """The institutions whose figures the actor may read (None: all)."""
    return await institutions.codes_within(policy.require(actor, "stats.read"))


async def indicator_rows(
    actor: Caller, first: date, last: date, group_by: str, tz: str, region: str | None
) -> list[IndicatorRow]:
    """The guide's indicators the actor may read: a region's staff see their region only (404
    for another); an institution's staff see their institution's own row by institution."""
    reach = policy.require(actor, "stats.read")
    if reach.region_prefix is not None:
        if region and not region.startswith(reach.region_prefix):
            raise not_found("region")
        region = region or reach.region_prefix
    elif reach.institution_code is not None:
        if group_by != "institution":
            raise DomainError("FORBIDDEN", "an institution's staff read its figures by institution")
        rows = await indicators.indicators(first, last, group_by, tz, region)
        return [row for row in rows if row.key == reach.institution_code]
    return await indicators.indicators(first, last, group_by, tz, region)
