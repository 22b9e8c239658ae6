"""Restart safety: old clients resume their session only while the YStore that recorded
their history is intact.

A client that reconnects after a server restart keeps its copy of each shared document and
presents its old session id.  jupyter-collaboration lets it resume when that id is in its
session store; the client then merges its copy into the room.  That merge is safe only if
the room was rebuilt from the same Yjs history the client has, i.e. from the YStore that
recorded it.  When the room is rebuilt from the file instead (the YStore was deleted,
replaced, moved aside by pycrdt, or never persisted), the two histories diverge and the merge
duplicates cells and text, which autosave then writes to the file (upstream issues #594,
#597).

So, when the server starts (before it accepts connections), :func:`forget_stale_sessions`
compares the YStore's identity (a UUID in a table of its database) with the identity
recorded next to the session store by the previous start.  If the YStore is not the one,
or not a persistent store we can vouch for, the session store is emptied: every old client
is then refused with ``1003 {"reason": "unknown_session", "reloadable": true}``, and
JupyterLab offers to reload the document from the server.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from .. import compat
from ..private_files import make_private_dir, make_private_file, open_private

IDENTITY_TABLE = "mlplatform_ystore_identity"
"""The table, in the YStore's database, holding its identity (one UUID)."""
MARKER_SUFFIX = ".ystore-identity"
"""Appended to the session store's path: the file recording which YStore its sessions
belong to."""


class YStoreState(StrEnum):
    INTACT = "intact"
    """A database with our identity, which pycrdt will open as it is."""
    MISSING = "missing"
    FOREIGN = "foreign"
    """A database without our identity (made by another server, or before the platform)."""
    OUTDATED = "outdated"
    """A database with another schema version, which pycrdt would move aside unread."""
    UNREADABLE = "unreadable"
    NOT_PERSISTENT = "not_persistent"
    """Not an SQLite store with a file (TempFileYStore, :memory:, a custom class)."""


_NEEDS_IDENTITY = {YStoreState.MISSING, YStoreState.FOREIGN, YStoreState.OUTDATED}
"""The states after which the YStore gets a new identity (new database, or one we adopt)."""


@dataclass(frozen=True)
class RestartCheck:
    """What :func:`forget_stale_sessions` found and did."""

    state: YStoreState
    sessions_kept: bool
    db_path: Path | None
    identity: str | None
    """The YStore's identity from now on (None when it has none)."""


def forget_stale_sessions(
    store_class: type[Any], config: Any, session_store: Path, log: logging.Logger
) -> RestartCheck:
    """Empty the session store unless the YStore that recorded its sessions is intact, and
    give the YStore an identity that the next start checks.

    Never raises: when something cannot be read or written, old sessions are dropped (the
    safe side) and that is logged.
    """
    marker = session_store.with_name(session_store.name + MARKER_SUFFIX)
    db_path: Path | None = None
    state, identity, kept = YStoreState.UNREADABLE, None, False
    try:
        db_path = persistent_db_path(store_class, config)
        if db_path is None:
            state = YStoreState.NOT_PERSISTENT
        else:
            state, identity = inspect_ystore(db_path, int(store_class.version))
        kept = state is YStoreState.INTACT and _read(marker) == identity
    except Exception as e:  # any failure here means: do not trust old sessions
        log.warning("Could not check the co-editing YStore %s: %s", db_path, e, exc_info=True)
    if not kept:
        _forget(session_store, state, db_path, store_class, log)
    try:
        if db_path is not None and state in _NEEDS_IDENTITY:
            identity = _give_identity(db_path, state, log)
        if identity is None:
            marker.unlink(missing_ok=True)
        else:
            _write(marker, identity)
    except (OSError, sqlite3.Error) as e:
        log.warning(
            "Could not record the identity of the co-editing YStore %s; clients open during "
            "the next restart will be asked to reload: %s",
            db_path,
            e,
        )
        identity = None
    return RestartCheck(state, kept, db_path, identity)


def persistent_db_path(store_class: type[Any], config: Any) -> Path | None:
    """The database file of an SQLite store class as configured, or None for a store that
    does not keep history across restarts."""
    from pycrdt.store import SQLiteYStore
    from traitlets.config import Configurable

    if not issubclass(store_class, SQLiteYStore):
        return None
    db_path: Any = store_class.db_path
    if issubclass(store_class, Configurable):
        # A trait: its value comes from the config (and the class's default).
        configurable: Any = store_class
        db_path = configurable(path="", config=config, log=logging.getLogger(__name__)).db_path
    if not db_path or db_path == ":memory:" or str(db_path).startswith("file:"):
        return None
    # pycrdt opens it relative to the working directory, which the server never changes.
    return Path(os.path.abspath(os.path.expanduser(str(db_path))))


def inspect_ystore(db_path: Path, version: int) -> tuple[YStoreState, str | None]:
    """The state of a YStore database, and its identity when it has one."""
    if not db_path.exists():
        return YStoreState.MISSING, None
    try:
        with _connect(db_path, read_only=True) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            user_version = db.execute("PRAGMA user_version").fetchone()[0]
            if compat.YSTORE_UPDATES_TABLE in tables and user_version != version:
                return YStoreState.OUTDATED, None
            if IDENTITY_TABLE not in tables:
                return YStoreState.FOREIGN, None
            row = db.execute(f"SELECT id FROM {IDENTITY_TABLE} LIMIT 1").fetchone()
    except sqlite3.Error:
        return YStoreState.UNREADABLE, None
    if row is None:
        return YStoreState.FOREIGN, None
    return YStoreState.INTACT, str(row[0])


def _give_identity(db_path: Path, state: YStoreState, log: logging.Logger) -> str:
    if state is YStoreState.OUTDATED:
        # What pycrdt does when a room opens it; done now, so that the new one has an identity.
        aside = _free_name(db_path)
        log.warning("YStore version mismatch, moving %s to %s", db_path, aside)
        db_path.rename(aside)
    make_private_file(db_path)  # SQLite's -wal and -shm files get the database's mode
    identity = str(uuid.uuid4())
    with _connect(db_path) as db:
        db.execute(f"CREATE TABLE IF NOT EXISTS {IDENTITY_TABLE} (id TEXT NOT NULL)")
        db.execute(f"DELETE FROM {IDENTITY_TABLE}")
        db.execute(f"INSERT INTO {IDENTITY_TABLE} (id) VALUES (?)", (identity,))
    return identity


def _forget(
    session_store: Path,
    state: YStoreState,
    db_path: Path | None,
    store_class: type[Any],
    log: logging.Logger,
) -> None:
    try:
        existed = session_store.exists()
        session_store.unlink(missing_ok=True)
    except OSError as e:
        log.error(
            "Could not empty the co-editing session store %s: clients open from before the "
            "restart may duplicate cells: %s",
            session_store,
            e,
        )
        return
    if existed:
        log.info(
            "Co-editing: clients open from before the restart will be asked to reload "
            "(YStore %s: %s)",
            db_path if db_path is not None else store_class.__name__,
            state.value,
        )


@contextmanager
def _connect(db_path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection, committed when the block succeeds, always closed."""
    if read_only:
        db = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, timeout=10)
    else:
        db = sqlite3.connect(db_path, timeout=10)
    try:
        with db:
            yield db
    finally:
        db.close()


def _free_name(path: Path) -> Path:
    """``name(1).db``, ``name(2).db``...: pycrdt's name for a database it moves aside."""
    i = 1
    while True:
        candidate = path.with_name(f"{path.stem}({i}){path.suffix}")
        if not candidate.exists():
            return candidate
        i += 1


def _read(marker: Path) -> str | None:
    try:
        return marker.read_text().strip() or None
    except FileNotFoundError:
        return None


def _write(marker: Path, identity: str) -> None:
    make_private_dir(marker.parent)
    partial = marker.with_name(marker.name + ".tmp")
    with open_private(partial) as file:
        file.write(identity + "\n")
    partial.replace(marker)
