"""Writing and reading the audit trail."""

from __future__ import annotations

from typing import Any

from api.audit.models import AuditEntry
from api.web.caller import Caller, Origin


async def record(
    who: Caller | Origin,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
    actor_type: str | None = None,
    actor_id: str | None = None,
) -> AuditEntry:
    """Append one entry: who (caller, or an origin with an explicit actor), what, on what."""
    if isinstance(who, Caller):
        actor_type = actor_type or who.kind
        actor_id = actor_id or str(who.attrs.get("username", who.id))
    return await AuditEntry.create(
        actor_type=actor_type or "anonymous",
        actor_id=actor_id or "-",
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=who.ip,
        request_id=who.request_id,
        detail=detail,
    )


async def entries(
    *,
    limit: int = 100,
    before_id: int | None = None,
    action: str | None = None,
    target_id: str | None = None,
    actor_id: str | None = None,
) -> list[AuditEntry]:
    """Entries newest first, filtered, paged by id."""
    query = AuditEntry.all()
    if before_id:
        query = query.filter(id__lt=before_id)
    if action:
        query = query.filter(action=action)
    if target_id:
        query = query.filter(target_id=target_id)
    if actor_id:
        query = query.filter(actor_id=actor_id)
    return await query.order_by("-id").limit(limit)
