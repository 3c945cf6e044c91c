"""Writing migrations when models change (developers only; users run ``ehc db upgrade``)."""

from __future__ import annotations

from tortoise.cli.cli import CLIContext, makemigrations


async def make_migrations(name: str | None = None) -> int:
    """Write a migration file under ``api/db/migrations`` for every model change."""
    await makemigrations(CLIContext("api.db.config.TORTOISE_ORM", None), (), False, name)
    return 0
