"""The Tortoise ORM configuration: which model modules make up the schema, and where."""

from __future__ import annotations

from typing import Any

# One app label for the whole schema keeps foreign keys across areas simple; each area still
# owns its own models module. A new area adds its module here and runs `ehc db makemigrations`.
MODEL_MODULES: list[str] = [
    "api.auth.models",
    "api.admin.models",
    "api.audit.models",
    "api.channels.models",
    "api.cards.models",
    "api.terminals.models",
]

APP_LABEL = "ehc"
MIGRATIONS_MODULE = "api.db.migrations"


def tortoise_config(db_url: str) -> dict[str, Any]:
    """The config dict for ``Tortoise.init`` and the migration runner."""
    return {
        "connections": {"default": db_url},
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
