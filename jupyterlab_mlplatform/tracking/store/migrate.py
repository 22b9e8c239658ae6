"""Create or upgrade the tracking database schema with Alembic, when the store opens.

Alembic is imported only when the database is behind: a current database costs one query at
server start, not Alembic's import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

HEAD_REVISION = "0006"
"""The newest migration in ``migrations/versions`` (a test keeps the two in step)."""


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, or None for a database Alembic has not touched."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest schema; one query when it is current.

    The migration itself runs under a database-wide lock (see ``migrations/env.py``), so
    servers opening a new database at the same time migrate it once.
    """
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
