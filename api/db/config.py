"""The Tortoise ORM configuration: which model modules make up the schema, and where."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

# One app label for the whole schema keeps foreign keys across areas simple; each area still
# owns its own models module. A new area adds its module here and runs `ehc db makemigrations`.
MODEL_MODULES: list[str] = [
    "api.auth.models",
    "api.admin.models",
    "api.audit.models",
    "api.channels.models",
    "api.cards.models",
    "api.terminals.models",
    "api.appointments.models",
    "api.outbox.models",
    "api.messages.models",
    "api.payments.models",
    "api.upward.models",
    "api.persons.models",
    "api.indicators.models",
    "api.institutions.models",
    "api.counter.models",
    "api.bills.models",
    "api.reports.models",
]

APP_LABEL = "ehc"
CONNECT_TIMEOUT = 2.0  # seconds
MIGRATIONS_MODULE = "api.db.migrations"


async def _keep_session(connection: object) -> None:
    """asyncpg's default pool reset (UNLISTEN, RESET ALL, …) costs a round trip on every
    query; we keep no session state (no LISTEN, SET or advisory locks), so there is none to
    reset."""


def is_postgres(db_url: str) -> bool:
    """Whether ``db_url`` names a PostgreSQL database (else SQLite)."""
    return db_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


SQLITE_ENGINE = "api.db.sqlite_engine"  # transactions that take the write lock first


def _connection(db_url: str, pool_size: int) -> str | dict[str, Any]:
    if not is_postgres(db_url):
        if ":memory:" in db_url:
            return db_url
        return {**expand_db_url(db_url), "engine": SQLITE_ENGINE}
    config = expand_db_url(db_url)
    # A database that cannot be reached fails a request in seconds (503 DB_UNAVAILABLE), not
    # after asyncpg's default minute.
    config["credentials"].update(
        {"minsize": 1, "maxsize": pool_size, "reset": _keep_session, "timeout": CONNECT_TIMEOUT}
    )
    return config


def tortoise_config(db_url: str, pool_size: int = 20) -> dict[str, Any]:
    """The config dict for ``Tortoise.init`` and the migration runner."""
    return {
        "connections": {"default": _connection(db_url, pool_size)},
        "apps": {
            APP_LABEL: {
                "models": list(MODEL_MODULES),
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For `ehc db makemigrations` (tortoise's autodetector compares the models with the migration
# files; it needs a config, not a real database).
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
