"""How far behind delivery is: the outbox messages not delivered yet, by status, and the age
of the oldest one still waiting (read by ``GET /metrics`` at scrape time)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.functions import Count

from api.outbox.models import OutboxMessage
from api.timefmt import now

# Waiting for a worker (pending, claimed, sending) or for an admin (unconfirmed, dead).
WAITING = ("pending", "claimed", "sending")
STUCK = ("unconfirmed", "dead")


@dataclass(frozen=True)
class Backlog:
    """Counts by status (every status of ``WAITING`` and ``STUCK``, zero included) and the
    oldest waiting message's age in seconds (0 when none waits)."""

    counts: dict[str, int]
    oldest_age: float


async def read() -> Backlog:
    """Two indexed queries: a count by status and the first waiting id."""
    counts = dict.fromkeys((*WAITING, *STUCK), 0)
    rows = (
        await OutboxMessage.filter(status__in=list(counts))
        .annotate(n=Count("id"))
        .group_by("status")
        .values("status", "n")
    )
    for row in rows:
        counts[row["status"]] = int(row["n"])
    first = (
        await OutboxMessage.filter(status__in=list(WAITING))
        .order_by("id")
        .first()
        .values("created_at")
    )
    age = (now() - first["created_at"]).total_seconds() if first else 0.0
    return Backlog(counts=counts, oldest_age=max(age, 0.0))
