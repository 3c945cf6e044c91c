"""The institution register: create, list, read, change and deactivate institutions, and name
regions. Every call is checked by ``api.policy`` with the acting admin; every change is
audited. Other areas ask :func:`place_of` where an institution lies (for their own scope
checks) and :func:`refuse_inactive` before they attach something new to one."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from api import policy
from api.audit import service as audit
from api.auth import service as clients
from api.context import AppContext
from api.errors import DomainError, not_found
from api.institutions import regions
from api.institutions.models import Institution, Region
from api.policy import Place, Reach
from api.principals import Caller


async def ensure(code: str, **fields: Any) -> Institution:
    """Register or update an institution as the system (the demo's seed, commands)."""
    found, _ = await Institution.update_or_create(code=code, defaults=fields)
    return found


async def place_of(code: str | None) -> Place:
    """Where an institution lies (an unregistered code lies in no region)."""
    if not code:
        return Place()
    region = await Institution.filter(code=code).values_list("region_code", flat=True)
    return Place(region_code=region[0] if region else None, institution_code=code)


async def regions_of(codes: set[str]) -> dict[str, str]:
    """The region of each institution in ``codes`` that is registered with one."""
    if not codes:
        return {}
    found = await Institution.filter(code__in=codes).values_list("code", "region_code")
    return {code: region for code, region in found if region}


async def exists(code: str) -> bool:
    """True when ``code`` is a registered institution."""
    return await Institution.exists(code=code)


async def codes_within(reach: Reach) -> set[str] | None:
    """The codes of the institutions inside ``reach`` (None: no limit)."""
    if reach.everything:
        return None
    if reach.institution_code is not None:
        return {reach.institution_code}
    found = await Institution.filter(region_code__startswith=reach.region_prefix).values_list(
        "code", flat=True
    )
    return set(found)


async def refuse_inactive(code: str) -> None:
    """``INVALID_STATE`` when ``code`` is a deactivated institution."""
    if await Institution.exists(code=code, active=False):
        raise DomainError("INVALID_STATE", "this institution has been deactivated")


async def _checked_region(code: str) -> str:
    if not await regions.known(regions.valid_code(code)):
        raise DomainError("VALIDATION_ERROR", f"unknown region {code}; add it first")
    return code


async def _checked_parent(actor: Caller, parent_code: str | None, own: str) -> str | None:
    if parent_code is None:
        return None
    if parent_code == own:
        raise DomainError("VALIDATION_ERROR", "an institution is not its own parent")
    await get(actor, parent_code)  # exists and visible
    return parent_code


async def create(actor: Caller, **fields: Any) -> Institution:
    """Register an institution inside the actor's reach."""
    policy.check(actor, "institution.create", Place(fields["region_code"], fields["code"]))
    await _checked_region(fields["region_code"])
    await _checked_parent(actor, fields.get("parent_code"), fields["code"])
    try:
        made = await Institution.create(**fields)
    except IntegrityError as exc:
        raise DomainError("CONFLICT", f"institution {fields['code']} exists") from exc
    await audit.record(actor, "institution.create", target_type="institution",
                       target_id=made.code, detail={"kind": made.kind})  # fmt: skip
    return made


async def register_hospital(actor: Caller, code: str, name: str, region_code: str | None) -> None:
    """A hospital created through ``/admin/hospitals`` is an institution of kind ``hospital``
    too (registered on its first creation; its region set when given)."""
    if region_code is not None:
        await _checked_region(region_code)
    existing = await Institution.get_or_none(code=code)
    if existing is None:
        await Institution.create(code=code, name=name, kind="hospital", region_code=region_code)
        await audit.record(actor, "institution.create", target_type="institution",
                           target_id=code, detail={"kind": "hospital"})  # fmt: skip
    elif region_code is not None and existing.region_code != region_code:
        existing.region_code = region_code
        await existing.save(update_fields=["region_code", "updated_at"])


async def check_hospital(actor: Caller, action: str, code: str, region_code: str | None) -> None:
    """May the actor create or change hospital ``code`` (placed in ``region_code`` if new)?"""
    place = await place_of(code)
    if place.region_code is None and region_code is not None:
        place = Place(region_code, code)
    policy.check(actor, action, place, "hospital")


async def listing(
    actor: Caller, region: str | None, kind: str | None, active: bool | None
) -> list[Institution]:
    """Institutions inside the actor's reach, filtered, by code."""
    reach = policy.require(actor, "institution.read")
    query = Institution.all()
    if reach.institution_code is not None:
        query = query.filter(code=reach.institution_code)
    elif reach.region_prefix is not None:
        query = query.filter(region_code__startswith=reach.region_prefix)
    if region:
        query = query.filter(region_code__startswith=policy.region_prefix(region))
    if kind:
        query = query.filter(kind=kind)
    if active is not None:
        query = query.filter(active=active)
    return await query.order_by("code")


async def get(actor: Caller, code: str, action: str = "institution.read") -> Institution:
    """One institution inside the actor's reach, or 404."""
    policy.require(actor, action)
    found = await Institution.get_or_none(code=code)
    if found is None:
        raise not_found("institution")
    policy.check(actor, action, Place(found.region_code, found.code), "institution")
    return found


async def update(actor: Caller, code: str, changes: dict[str, Any]) -> Institution:
    """Rename, re-level, move or re-parent an institution (a move stays inside the reach)."""
    found = await get(actor, code, "institution.manage")
    if "region_code" in changes:
        await _checked_region(changes["region_code"])
        policy.check(actor, "institution.manage", Place(changes["region_code"], code))
    if "parent_code" in changes:
        await _checked_parent(actor, changes["parent_code"], code)
    if changes:
        await Institution.filter(code=code).update(**changes)
        await audit.record(actor, "institution.update", target_type="institution",
                           target_id=code, detail={"fields": sorted(changes)})  # fmt: skip
        await found.refresh_from_db()
    return found


async def deactivate(ctx: AppContext, actor: Caller, code: str) -> Institution:
    """Deactivate an institution: its terminals are revoked, so their tokens are refused from
    the next request on every node (the tokens are deleted from the shared store) and they can
    get no new one (``CLIENT_REVOKED``)."""
    found = await get(actor, code, "institution.deactivate")
    await Institution.filter(code=code).update(active=False)
    revoked = []
    for client in await clients.list_clients("terminal"):
        if client.institution_code == code and client.status == "active":
            await clients.revoke_client(ctx, client.client_id)
            revoked.append(client.client_id)
    await audit.record(actor, "institution.deactivate", target_type="institution",
                       target_id=code, detail={"terminals_revoked": len(revoked)})  # fmt: skip
    await found.refresh_from_db()
    return found


async def put_region(actor: Caller, code: str, name: str, population: int | None) -> Region:
    """Add a region code, or name it and give its population."""
    policy.check(actor, "region.manage", Place(regions.valid_code(code)), "region")
    region = await regions.put(code, name, population)
    await audit.record(actor, "region.put", target_type="region", target_id=code,
                       detail={"population": population})  # fmt: skip
    return region


async def list_regions(actor: Caller) -> list[tuple[str, str, int | None]]:
    """Every known region (the codes are public knowledge: any admin role may read them)."""
    return await regions.all_regions()
