"""Shapes of the sync with the platform above, as the card centre's staff see it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas import Out


class SyncOut(Out):
    pending: int = Field(description="records waiting to go up to the platform above")
    oldest_pending_at: datetime | None
    last_success_at: datetime | None = Field(description="the last pass the platform answered")
    failed: int = Field(description="records the platform refused for good")
    failures_in_a_row: int = Field(description="passes that failed since the last success")
    next_attempt_at: datetime | None = Field(description="backing off until then")
    last_error: str | None
