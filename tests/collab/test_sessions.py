"""The restart check on real YStore databases: old sessions are kept only while the YStore
that recorded them is intact (its identity is the one recorded next to the session store)."""

from __future__ import annotations

import json
import logging
import shutil
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from jupyter_server_ydoc.stores import SQLiteYStore, TempFileYStore
from pycrdt import Doc, Text
from traitlets.config import Config

from jupyterlab_mlplatform.collab.sessions import (
    IDENTITY_TABLE,
    MARKER_SUFFIX,
    RestartCheck,
    YStoreState,
    forget_stale_sessions,
    persistent_db_path,
)
from jupyterlab_mlplatform.collab.ystore import MLPlatformYStore
from tests.collab.on_disk import sql

LOG = logging.getLogger("test")


class Layout:
    """A server's co-editing folder: the YStore class bound to it, the session store."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store_class = MLPlatformYStore.for_server(Config(), directory)
        self.db = directory / "ystore.db"
        self.sessions = directory / "sessions.json"
        self.marker = directory / ("sessions.json" + MARKER_SUFFIX)

    def record_session(self, session_id: str = "old-session") -> None:
        """What jupyter-collaboration writes when a client connects."""
        self.sessions.write_text(json.dumps({session_id: {"version": "3.0.4"}}))

    def start(self, store_class: type[Any] | None = None, config: Any = None) -> RestartCheck:
        """The check a server start runs."""
        return forget_stale_sessions(
            store_class or self.store_class, config or Config(), self.sessions, LOG
        )


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    (tmp_path / "collaboration").mkdir()
    return Layout(tmp_path / "collaboration")


def _identity(db: Path) -> str:
    [(identity,)] = sql(db, f"SELECT id FROM {IDENTITY_TABLE}")
    return str(identity)


async def _write(store_class: Any, path: str, text: str) -> None:
    """Store a new document through the real store."""
    doc = Doc()
    doc["t"] = Text(text)
    async with store_class(path=path, log=LOG) as store:
        await store.write(doc.get_update())


async def _read(store_class: Any, path: str) -> str:
    """A stored document, read through the real store."""
    doc = Doc()
    async with store_class(path=path, log=LOG) as store:
        await store.apply_updates(doc)
    return str(doc.get("t", type=Text))


def test_first_start_gives_the_new_ystore_an_identity(layout: Layout) -> None:
    layout.record_session()  # e.g. left by a server that had no YStore here
    check = layout.start()
    assert check.state is YStoreState.MISSING
    assert not check.sessions_kept
    assert not layout.sessions.exists()
    assert check.identity == _identity(layout.db) == layout.marker.read_text().strip()


async def test_sessions_are_kept_while_the_ystore_is_intact(layout: Layout) -> None:
    layout.start()
    identity = _identity(layout.db)
    # pycrdt creates its tables in the database we created, and works with it
    await _write(layout.store_class, "a", "kept")
    assert await _read(layout.store_class, "a") == "kept"
    layout.record_session()

    check = layout.start()

    assert (check.state, check.sessions_kept) == (YStoreState.INTACT, True)
    assert "old-session" in json.loads(layout.sessions.read_text())
    assert check.identity == identity == _identity(layout.db)
    await _write(layout.store_class, "b", "again")
    assert [await _read(layout.store_class, p) for p in "ab"] == ["kept", "again"]


def test_a_deleted_ystore_drops_the_sessions(layout: Layout) -> None:
    first = layout.start()
    layout.record_session()
    layout.db.unlink()

    check = layout.start()

    assert (check.state, check.sessions_kept) == (YStoreState.MISSING, False)
    assert not layout.sessions.exists()
    assert check.identity not in (None, first.identity)
    assert layout.marker.read_text().strip() == check.identity


def test_a_replaced_ystore_drops_the_sessions(layout: Layout, tmp_path: Path) -> None:
    layout.start()
    layout.record_session()
    other = Layout(tmp_path / "other")
    other.directory.mkdir()
    other.start()  # another server's YStore, with its own identity
    shutil.copy(other.db, layout.db)

    check = layout.start()

    assert (check.state, check.sessions_kept) == (YStoreState.INTACT, False)
    assert not layout.sessions.exists()
    assert layout.marker.read_text().strip() == _identity(other.db)


def test_a_lost_marker_drops_the_sessions(layout: Layout) -> None:
    layout.start()
    layout.record_session()
    layout.marker.unlink()
    assert not layout.start().sessions_kept
    assert not layout.sessions.exists()


async def test_a_ystore_from_before_the_platform_drops_the_sessions_once(
    layout: Layout,
) -> None:
    # A database jupyter-collaboration made on its own, with a document in it
    upstream = partial(SQLiteYStore, config=Config({"SQLiteYStore": {"db_path": str(layout.db)}}))
    await _write(upstream, "a", "history")
    layout.record_session()

    check = layout.start()

    assert (check.state, check.sessions_kept) == (YStoreState.FOREIGN, False)
    assert not layout.sessions.exists()
    assert await _read(upstream, "a") == "history"  # its content is kept
    layout.record_session()
    assert layout.start().sessions_kept  # and from now on it is ours


def test_a_ystore_pycrdt_would_move_aside_drops_the_sessions(layout: Layout) -> None:
    sql(layout.db, "CREATE TABLE yupdates (path TEXT, yupdate BLOB, metadata BLOB, timestamp REAL)")
    sql(layout.db, "PRAGMA user_version = 1")
    layout.record_session()

    check = layout.start()

    assert (check.state, check.sessions_kept) == (YStoreState.OUTDATED, False)
    assert not layout.sessions.exists()
    assert (layout.directory / "ystore(1).db").is_file()  # set aside as pycrdt names it
    assert _identity(layout.db) == check.identity


def test_an_unreadable_ystore_drops_the_sessions_and_is_left_alone(layout: Layout) -> None:
    layout.db.write_text("not a database")
    layout.record_session()

    check = layout.start()

    assert (check.state, check.sessions_kept, check.identity) == (
        YStoreState.UNREADABLE,
        False,
        None,
    )
    assert not layout.sessions.exists()
    assert layout.db.read_text() == "not a database"
    assert not layout.marker.exists()


@pytest.mark.parametrize(
    ("store_class", "config"),
    [
        (TempFileYStore, {}),
        (SQLiteYStore, {"SQLiteYStore": {"db_path": ":memory:"}}),
    ],
    ids=["TempFileYStore", "in-memory SQLite"],
)
def test_a_store_without_history_across_restarts_always_drops_the_sessions(
    layout: Layout, store_class: type[Any], config: dict[str, Any]
) -> None:
    layout.start()
    layout.record_session()

    check = layout.start(store_class, Config(config))

    assert (check.state, check.sessions_kept) == (YStoreState.NOT_PERSISTENT, False)
    assert not layout.sessions.exists()
    assert not layout.marker.exists()


def test_the_upstream_store_is_found_where_it_opens_its_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert persistent_db_path(SQLiteYStore, Config()) == tmp_path / ".jupyter_ystore.db"
    configured = Config({"SQLiteYStore": {"db_path": "~/stores/y.db"}})
    assert persistent_db_path(SQLiteYStore, configured) == Path.home() / "stores" / "y.db"
