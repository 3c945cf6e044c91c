"""Planner statistics kept up with a bulk load.

PostgreSQL plans from statistics that autovacuum refreshes only a while after a table changed,
never in the middle of a fast load. A table that grows from nothing to 100,000 rows during one
import is still planned as a handful of rows: the batch lookups by ``(id_type, id index)``
then use only the index's first column and filter every row of the table, so each batch costs
more than the one before (the patient import fell to some 200 rows/s). :class:`GrowingTables`
runs ``ANALYZE`` after the first 2,000 rows and then after twice as many as the step before
(2,000, 4,000, 8,000, …: six times for 100,000 rows, each sampling at most 30,000 rows), and
once at the end. SQLite needs none of it: it
takes a unique index for an equality without statistics.
"""

from __future__ import annotations

from tortoise.models import Model

FIRST = 2_000  # rows added before the first ANALYZE: below that any plan is quick


class GrowingTables:
    """Tables a bulk load adds rows to, analysed as they grow."""

    def __init__(self, *models: type[Model], first: int = FIRST) -> None:
        self.models = models
        self.added = 0  # rows added since the last ANALYZE
        self.due = first  # ANALYZE once this many have been added

    async def grew(self, rows: int) -> None:
        """``rows`` more rows went in; refresh the statistics when this step is complete."""
        self.added += rows
        if self.added >= self.due:
            self.due *= 2
            await self.settle()

    async def settle(self) -> None:
        """Refresh the statistics now if anything was added since the last time."""
        if self.added == 0 or not self.models:
            return
        self.added = 0
        db = self.models[0]._meta.db
        if db.capabilities.dialect != "postgres":
            return
        tables = ", ".join(f'"{m._meta.db_table}"' for m in self.models)
        await db.execute_script(f"ANALYZE {tables}")
