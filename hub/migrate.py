"""Schema migrations without an ini file: the Alembic scripts ship in the `migrations` package."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    config.attributes["sqlalchemy.url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Apply every pending migration."""
    command.upgrade(alembic_config(database_url), "heads")


def check(database_url: str) -> None:
    """Raise when the models and the migrations disagree (a non-empty autogenerate diff)."""
    command.check(alembic_config(database_url))
