"""What the server wrote to disk, read back: notebooks and SQLite databases."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import nbformat


def notebook_sources(path: Path) -> list[str]:
    """The cells' sources in the notebook file on disk."""
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def sql(db: Path, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on a database (committed) and return its rows."""
    with closing(sqlite3.connect(db)) as connection, connection:
        return connection.execute(statement, params).fetchall()
