"""Writing and reading the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.audit.models import AuditEntry
from api.batch_writer import BatchWriter
from api.principals import Caller, Origin


def entry(who: Caller | Origin, action: str, **fields: Any) -> AuditEntry:
    """An unsaved entry: who (caller, or an origin with an explicit actor), what, on what."""
    return AuditEntry(**_values(who, action, **fields))


def _values(
    who: Caller | Origin,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
    actor_type: str | None = None,
    actor_id: str | None = None,
) -> dict[str, Any]:
    if isinstance(who, Caller):
        actor_type = actor_type or who.kind
        actor_id = actor_id or str(who.attrs.get("username", who.id))
    return dict(
        at=datetime.now(UTC),
        actor_type=actor_type or "anonymous",
        actor_id=actor_id or "-",
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=who.ip,
        request_id=who.request_id,
        detail=detail,
    )


async def record(who: Caller | Origin, action: str, **fields: Any) -> AuditEntry:
    """Append one entry now (in the caller's transaction, if any)."""
    row = entry(who, action, **fields)
    await row.save()
    return row


def record_later(writer: BatchWriter, who: Caller | Origin, action: str, **fields: Any) -> None:
    """Queue an entry for the next batch (reads on a hot path, e.g. terminal verification)."""
    writer.add_values(AuditEntry, **_values(who, action, **fields))


async def entries(
    *,
    limit: int = 100,
    before_id: int | None = None,
    action: str | None = None,
    target_id: str | None = None,
    actor_id: str | None = None,
    actors: set[str] | None = None,
) -> list[AuditEntry]:
    """Entries newest first, filtered, paged by id (``actors``: only theirs)."""
    query = AuditEntry.all()
    if before_id:
        query = query.filter(id__lt=before_id)
    if action:
        query = query.filter(action=action)
    if target_id:
        query = query.filter(target_id=target_id)
    if actor_id:
        query = query.filter(actor_id=actor_id)
    if actors is not None:
        query = query.filter(actor_id__in=sorted(actors))
    return await query.order_by("-id").limit(limit)
