"""What ``jupyterlab_mlplatform.compat`` (and the collab modules through it) assume of
jupyter-collaboration and pycrdt, checked against the installed versions.

When one of these fails after an upgrade, the assumption named in the test no longer holds:
read the upstream change, then adapt ``compat.py`` (and this file).
"""

from __future__ import annotations

import inspect
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Awareness, Doc, Text
from traitlets import Type, Unicode
from traitlets.config import Config

from jupyterlab_mlplatform import compat
from jupyterlab_mlplatform.collab.sessions import IDENTITY_TABLE, _free_name
from tests.collab.on_disk import sql
from tests.collab.ydoc_client import AwarenessClient, CollabServer, NotebookClient, RoomClosed

LOG = logging.getLogger("test")
DAY = 24 * 60 * 60


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    config = {**jp_server_config, "ServerApp": dict(jp_server_config["ServerApp"])}
    config["ServerApp"]["jpserver_extensions"] = {
        **config["ServerApp"]["jpserver_extensions"],
        "jupyter_server_ydoc": True,
        "jupyter_server_fileid": True,
    }
    return config


# -- jupyter_server_ydoc -------------------------------------------------------------------


def test_the_extension_app_and_the_traits_we_set() -> None:
    from jupyter_server_ydoc.app import YDocExtension
    from pycrdt.store import BaseYStore

    assert YDocExtension.name == compat.YDOC_EXTENSION
    traits = YDocExtension.class_traits(config=True)
    assert isinstance(traits["ystore_class"], Type)
    assert traits["ystore_class"].klass is BaseYStore
    assert isinstance(traits["session_store_path"], Unicode)
    assert "disable_rtc" in traits
    # read in initialize_settings / initialize_handlers, i.e. at load, after every link
    assert "session_store_path" in inspect.getsource(YDocExtension.initialize_settings)
    assert "self.ystore_class" in inspect.getsource(YDocExtension.initialize_handlers)


def test_jupyter_server_ydoc_links_before_us_and_loads_after_every_link() -> None:
    """Our link sets its traits; it reads them when it loads (see above)."""
    from jupyter_server.extension.manager import ExtensionManager
    from jupyter_server.serverapp import ServerApp

    assert compat.YDOC_EXTENSION < "jupyterlab_mlplatform"  # the names are sorted
    assert "self.sorted_extensions" in inspect.getsource(ExtensionManager.link_all_extensions)
    init = inspect.getsource(ServerApp.initialize)
    # init_server_extensions links them all; load_server_extensions loads them all
    assert init.index("self.init_server_extensions()") < init.index("self.load_server_extensions()")
    assert "link_all_extensions()" in inspect.getsource(ServerApp.init_server_extensions)


def test_the_linked_and_loaded_app_and_its_rooms_server(jp_serverapp: Any) -> None:
    linked = compat.linked_ydoc_app(jp_serverapp)
    assert linked is not None
    assert compat.loaded_ydoc_app(jp_serverapp) is linked
    server = compat.websocket_server(linked)
    assert list(inspect.signature(server.add_room).parameters) == ["path", "room"]
    assert isinstance(server.rooms, dict)


async def test_every_room_passes_through_add_room(
    jp_serverapp: Any, http_server: Any, jp_root_dir: Path
) -> None:
    ydoc_app = compat.loaded_ydoc_app(jp_serverapp)
    seen: list[Any] = []
    compat.on_room_added(compat.websocket_server(ydoc_app), seen.append)
    (jp_root_dir / "a.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    server = CollabServer.of(jp_serverapp)

    # a document room, opened by the server alone
    await ydoc_app.get_document(
        path="a.ipynb", content_type="notebook", file_format="json", copy=False, create=True
    )
    # the same room, joined by a client; the transient presence room
    client = await NotebookClient.open(server, "a.ipynb", user="a")
    lab = await AwarenessClient.open(server, user="a")
    try:
        rooms = {getattr(room, "room_id", None) for room in seen}
        assert rooms == {client.room_id, compat.GLOBAL_AWARENESS_ROOM}
        assert all(hasattr(room, "awareness") and hasattr(room, "clients") for room in seen)
    finally:
        await client.drop()
        await lab.drop()


def test_where_the_session_store_is(jp_serverapp: Any, tmp_path: Path) -> None:
    from jupyter_server_ydoc.utils import _get_jupyter_session_store

    ydoc_app = compat.loaded_ydoc_app(jp_serverapp)
    root = str(tmp_path / "root")
    for configured in (None, str(tmp_path / "elsewhere" / "sessions.json")):
        ydoc_app.session_store_path = configured
        assert compat.session_store_path(ydoc_app, root) == _get_jupyter_session_store(
            root, configured
        )


async def test_an_emptied_session_store_refuses_old_sessions_with_1003(
    jp_serverapp: Any, http_server: Any, jp_root_dir: Path
) -> None:
    from jupyter_server_ydoc.utils import SERVER_SESSION, check_session_compatibility

    ydoc_app = compat.loaded_ydoc_app(jp_serverapp)
    store = compat.session_store_path(ydoc_app, jp_serverapp.root_dir)
    store.unlink(missing_ok=True)
    assert check_session_compatibility("", "old", "3", session_store_path=str(store)) == (
        True,
        "unknown_session",
    )
    (jp_root_dir / "a.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    with pytest.raises(RoomClosed) as refused:
        await NotebookClient.open(
            CollabServer.of(jp_serverapp), "a.ipynb", session_id="not-" + SERVER_SESSION
        )
    assert refused.value.closed.code == 1003
    assert refused.value.closed.payload == {
        "reason": "unknown_session",
        "sessionId": "not-" + SERVER_SESSION,
        "reloadable": True,
    }


# -- pycrdt.store ----------------------------------------------------------------------------


def _store_class(db: Path) -> Any:
    from pycrdt.store import SQLiteYStore

    return type("Store", (SQLiteYStore,), {"db_path": str(db)})


async def test_pycrdt_moves_aside_a_database_of_another_version(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    sql(db, "CREATE TABLE yupdates (path TEXT, yupdate BLOB)")
    sql(db, f"PRAGMA user_version = {_store_class(db).version + 1}")
    expected_aside = _free_name(db)
    async with _store_class(db)(path="p", log=LOG) as store:
        await store.write(Doc().get_update())
    assert compat.YSTORE_UPDATES_TABLE == "yupdates"
    assert expected_aside.is_file()  # the name we expect pycrdt to give it


async def test_pycrdt_creates_its_tables_next_to_our_identity(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    sql(db, f"CREATE TABLE {IDENTITY_TABLE} (id TEXT NOT NULL)")
    sql(db, f"INSERT INTO {IDENTITY_TABLE} VALUES ('me')")
    async with _store_class(db)(path="p", log=LOG) as store:
        await store.write(Doc().get_update())
    assert sql(db, f"SELECT id FROM {IDENTITY_TABLE}") == [("me",)]
    assert sql(db, "SELECT count(*) FROM yupdates") == [(1,)]


async def _squash(store_class: Any, db: Path) -> str:
    """A document written, made two days old, edited again; what the store then holds."""
    doc = Doc()
    text = doc.get("t", type=Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    text += "hello"
    text += " world"
    async with store_class(path="p", log=LOG) as store:
        for update in updates:
            await store.write(update)
    sql(db, "UPDATE yupdates SET timestamp = timestamp - ?", 2 * DAY)
    updates.clear()
    text += "!"
    read = Doc()
    async with store_class(path="p", log=LOG) as store:
        for update in updates:
            await store.write(update)
        await store.apply_updates(read)
    return str(read.get("t", type=Text))


@pytest.mark.xfail(
    strict=True,
    reason="pycrdt's SQLiteYStore.write squashes a history into an empty update unless a "
    "decompress callback is set; when this passes, compat.apply_squashed_updates can go",
)
async def test_pycrdt_squash_keeps_the_document_by_itself(tmp_path: Path) -> None:
    store_class = type(
        "Store",
        (_store_class(tmp_path / "y.db"),),
        {"squash_after_inactivity_of": DAY},
    )
    assert await _squash(store_class, tmp_path / "y.db") == "hello world!"


async def test_identity_callbacks_make_pycrdt_squash_keep_the_document(tmp_path: Path) -> None:
    base = type("Store", (_store_class(tmp_path / "y.db"),), {"squash_after_inactivity_of": DAY})

    class Fixed(base):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            assert self._decompress is None  # what apply_squashed_updates looks at
            compat.apply_squashed_updates(self)

    assert await _squash(Fixed, tmp_path / "y.db") == "hello world!"


def test_stores_built_from_config_get_it_as_a_keyword() -> None:
    from jupyter_server_ydoc.stores import SQLiteYStore

    store = SQLiteYStore(path="p", log=LOG, config=Config({"SQLiteYStore": {"db_path": "x"}}))
    assert store.db_path == "x"


# -- pycrdt awareness ----------------------------------------------------------------------


def test_awareness_reports_remote_updates_with_their_origin() -> None:
    sender, receiver = Awareness(Doc()), Awareness(Doc())
    sender.set_local_state({"user": {"name": "a"}})
    events: list[tuple[str, Any]] = []
    receiver.observe(lambda topic, changes: events.append((topic, changes)))
    receiver.apply_awareness_update(sender.encode_awareness_update([sender.client_id]), "the room")
    update = [changes for topic, changes in events if topic == "update"]
    assert update == [({"added": [sender.client_id], "updated": [], "removed": []}, "the room")]
    assert receiver.states[sender.client_id] == {"user": {"name": "a"}}


def test_anyio_workers_can_be_released_at_exit() -> None:
    """``release_anyio_workers_at_exit`` relies on Python's thread-shutdown hook and on
    AnyIO's worker threads taking ``None`` on their queue as the order to stop."""
    import threading

    from anyio._backends._asyncio import WorkerThread

    assert callable(threading._register_atexit)  # type: ignore[attr-defined]
    assert "queue" in WorkerThread.__init__.__code__.co_names
    assert "if item is None" in inspect.getsource(WorkerThread.run)


def test_rooms_read_each_connection_in_its_own_serving_task() -> None:
    """The presence relay tells departures by the task that serves a connection: pycrdt's
    ``YRoom.serve`` reads the channel's messages itself (``async for``), passing each to
    ``on_message`` before handling it."""
    from pycrdt.websocket import YRoom

    source = inspect.getsource(YRoom.serve)
    assert "async for message in channel" in source
    assert "self.on_message(message)" in source
    assert isinstance(inspect.getattr_static(YRoom, "on_message"), property)


# -- jupyter_server ------------------------------------------------------------------------


def test_prepare_can_be_told_not_to_redirect_to_the_login_page() -> None:
    from jupyter_server.base.handlers import JupyterHandler

    parameters = inspect.signature(JupyterHandler.prepare).parameters
    for name, value in compat.NO_LOGIN_REDIRECT.items():
        assert name in parameters
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is not value  # the default redirects
    # without the redirect, an unknown user is refused with 403 (tests/tracking's events
    # tests check the answer itself)
    body = inspect.getsource(JupyterHandler.prepare).split(":", 1)[1]
    assert "if _redirect_to_login:" in body
    assert "HTTPError(403)" in body


def test_jupyterhub_takes_a_preset_user_and_checks_its_hub_scopes() -> None:
    # What compat.preset_user relies on in JupyterHub's single-user server (tests/hub runs
    # a kernel's request through it for real)
    from jupyterhub.singleuser.extension import (
        JupyterHubAuthorizer,
        JupyterHubIdentityProvider,
        JupyterHubUser,
    )

    get_user = inspect.getsource(JupyterHubIdentityProvider.get_user)
    assert 'if hasattr(handler, "_jupyterhub_user"):' in get_user
    assert "return handler._jupyterhub_user" in get_user
    assert "user.hub_user" in inspect.getsource(JupyterHubAuthorizer.is_authorized)
    user = JupyterHubUser({"name": "alice", "scopes": ["access:servers!user=alice"]})
    assert (user.username, user.hub_user["scopes"]) == ("alice", ["access:servers!user=alice"])


# -- jupyterlab_server ---------------------------------------------------------------------


def test_the_lab_overrides_are_read_from_both_places(tmp_path: Path) -> None:
    (tmp_path / "overrides.json").write_text(json.dumps({"a:b": {"x": 1}}))
    (tmp_path / "overrides.d").mkdir()
    (tmp_path / "overrides.d" / "more.json").write_text(json.dumps({"c:d": {"y": 2}}))
    assert compat.lab_setting_overrides(str(tmp_path)) == {"a:b": {"x": 1}, "c:d": {"y": 2}}
    assert compat.lab_setting_overrides(str(tmp_path / "missing")) == {}


def test_where_a_user_setting_is_kept(tmp_path: Path) -> None:
    path = compat.user_settings_file(str(tmp_path), "@scope/pkg:plugin")
    assert Path(path) == tmp_path / "@scope" / "pkg" / "plugin.jupyterlab-settings"


# -- nothing else reaches in -----------------------------------------------------------------

UPSTREAM = ("jupyter_server", "jupyterlab_server", "tornado")
TORNADO_PRIVATE = {
    "_handle_request_exception",
    "_execute",
    "_finished",
    "_headers_written",
    "_status_code",
    "_transforms",
}
"""Private attributes of tornado's RequestHandler that a handler might be tempted to use."""


def _private_reaches(path: Path) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(UPSTREAM):
            found += [f"import {alias.name}" for alias in node.names if alias.name[0] == "_"]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name in TORNADO_PRIVATE:
                found.append(f"def {node.name}")
        elif isinstance(node, ast.Attribute) and node.attr in TORNADO_PRIVATE:
            found.append(f".{node.attr}")
        elif isinstance(node, ast.Call):
            found += [
                f"{keyword.arg}="
                for keyword in node.keywords
                if keyword.arg is not None and keyword.arg.startswith("_")
            ]
    return found


def test_no_module_but_compat_uses_private_upstream_names() -> None:
    package = Path(compat.__file__).parent
    reaches = {
        path.relative_to(package).as_posix(): found
        for path in sorted(package.rglob("*.py"))
        if path != package / "compat.py"
        if (found := _private_reaches(path))
    }
    assert reaches == {}
