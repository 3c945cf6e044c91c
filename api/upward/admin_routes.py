"""The card centre's door of the sync with the platform above."""

from __future__ import annotations

from api.timefmt import local
from api.upward import sync
from api.upward.schemas import SyncOut
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


async def sync_status(request: Request) -> SyncOut:
    """What waits to go up to the platform above, and when it last answered."""
    found = await sync.backlog(caller_of(request))
    tz = ctx_of(request).settings.timezone
    for name in ("oldest_pending_at", "last_success_at", "next_attempt_at"):
        if found[name] is not None:
            found[name] = local(found[name], tz)
    return SyncOut(**found)


routes = [
    admin_route("GET", "/api/v1/admin/sync", sync_status, response=SyncOut),
]
