"""The private parts of jupyter_server, jupyterlab_server, jupyter-collaboration, pycrdt and
JupyterHub's single-user server that the platform relies on.

jupyter-collaboration's server extension (``jupyter_server_ydoc``) has no API for what shared
editing needs from it, jupyterlab_server none for reading one user setting the way the lab
does, and jupyter_server none for an API websocket that answers 403 instead of redirecting to
the login page; so the few places where we reach into them are all here, each with what it
assumes.  ``tests/test_compat.py`` checks every assumption against the installed versions
and fails when an upgrade breaks one.

Nothing here imports ``jupyter_server_ydoc``, ``jupyterlab_server`` or ``jupyterhub`` at
module level: a server without jupyter-collaboration (or without JupyterLab, or outside a
hub) imports this module too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

YDOC_EXTENSION = "jupyter_server_ydoc"
"""The name of jupyter-collaboration's server extension (and of its module)."""

GLOBAL_AWARENESS_ROOM = "JupyterLab:globalAwareness"
"""The transient room JupyterLab shares presence through, outside any document."""

YSTORE_UPDATES_TABLE = "yupdates"
"""The table of ``pycrdt.store.SQLiteYStore``; a database that has it and another
``user_version`` than the store class's ``version`` is moved aside by the store, unread."""


def linked_ydoc_app(serverapp: Any) -> Any | None:
    """The ``YDocExtension`` app, once the server has linked it (None when the extension is
    not installed, not enabled or failed to link)."""
    manager = getattr(serverapp, "extension_manager", None)
    if manager is None:
        return None
    point = manager.extension_points.get(YDOC_EXTENSION)
    if point is None or not point.linked:
        return None
    return point.app


def loaded_ydoc_app(serverapp: Any) -> Any | None:
    """The ``YDocExtension`` app, once loaded: it puts itself in the web app's settings under
    its name (``ExtensionApp._prepare_settings``)."""
    web_app = getattr(serverapp, "web_app", None)
    if web_app is None:
        return None
    return web_app.settings.get(YDOC_EXTENSION)


def websocket_server(ydoc_app: Any) -> Any:
    """The rooms' server (a ``pycrdt.websocket.WebsocketServer``), which the extension
    creates in ``initialize_handlers`` and keeps as ``ywebsocket_server``."""
    return ydoc_app.ywebsocket_server


def on_room_added(server: Any, callback: Callable[[Any], None]) -> None:
    """Call ``callback(room)`` each time the rooms' server is given a room.

    Upstream calls ``add_room`` for every connection to a room (document or transient, so the
    same room comes back), in ``get_document(create=True)`` and for the timeline's forks.
    """
    original = server.add_room

    def add_room(path: str, room: Any) -> None:
        original(path, room)
        callback(room)

    server.add_room = add_room


def session_store_path(ydoc_app: Any, root_dir: str) -> Path:
    """Where the extension records the sessions old clients may resume
    (``utils._get_jupyter_session_store``): ``YDocExtension.session_store_path``, else
    ``<root_dir>/.jupyter/collaboration_sessions.json``."""
    configured = ydoc_app.session_store_path
    if configured:
        return Path(configured).expanduser()
    return Path(root_dir).expanduser().resolve() / ".jupyter" / "collaboration_sessions.json"


def _same(data: bytes) -> bytes:
    return data


def apply_squashed_updates(store: Any) -> None:
    """Make ``pycrdt.store.SQLiteYStore`` keep a document's content when it squashes its
    history.

    Its ``write`` rebuilds the squashed document with ``ydoc.apply_update`` only inside
    ``if self._decompress:`` (pycrdt 0.14.13): with no compression registered, every
    squash replaces the document's history with an empty update, and the room is rebuilt
    from the file next time with another history, which stale clients then merge into
    duplicated cells.  Identity "compression" callbacks make it apply the updates; the
    stored bytes are unchanged.
    """
    if getattr(store, "_decompress", None) is None:
        store.register_compression_callbacks(_same, _same)


_released_at_exit = False


def release_anyio_workers_at_exit() -> None:
    """Let the process exit although AnyIO worker threads are left waiting.

    The YStore reaches SQLite through AnyIO's worker threads (``sqlite_anyio``).  AnyIO stops
    a worker when the task it counts as the root finishes; in a Jupyter server that is a
    room's task, which may still be pending when the event loop stops, so the non-daemon
    worker waits forever and the server never exits on Ctrl+C or SIGTERM (upstream
    jupyter-collaboration #161 and #503).  At interpreter exit, before Python joins the
    remaining threads (``threading._register_atexit``), each idle AnyIO worker is sent its
    shutdown item (``None`` on ``WorkerThread.queue``); one busy with a job finishes it
    first.
    """
    global _released_at_exit
    if _released_at_exit:
        return
    _released_at_exit = True
    threading._register_atexit(_release_anyio_workers)  # type: ignore[attr-defined]


def _release_anyio_workers() -> None:
    try:
        from anyio._backends._asyncio import WorkerThread
    except ImportError:  # pragma: no cover - another AnyIO layout: nothing to release
        return
    for thread in threading.enumerate():
        if isinstance(thread, WorkerThread):
            thread.queue.put_nowait(None)


# -- jupyter_server ------------------------------------------------------------------------

NO_LOGIN_REDIRECT: dict[str, Any] = {"_redirect_to_login": False}
"""Keyword arguments of ``JupyterHandler.prepare`` that make it answer an unauthenticated
request with 403 instead of redirecting it to the login page (a private argument; the API
websocket of ``tracking/handlers.py`` needs it, as it is no ``APIHandler``)."""


# -- jupyterlab_server ---------------------------------------------------------------------


def lab_setting_overrides(app_settings_dir: str) -> dict[str, Any]:
    """The settings overrides the lab applies (``overrides.json``, ``overrides.d``), read
    as jupyterlab_server reads them (``settings_utils._get_overrides``)."""
    from jupyterlab_server.settings_utils import _get_overrides

    overrides, _ = _get_overrides(app_settings_dir)
    return overrides


def user_settings_file(user_settings_dir: str, setting_id: str) -> str:
    """Where jupyterlab_server keeps a user's settings of one plugin
    (``settings_utils._path``): ``<dir>/<package>/<plugin>.jupyterlab-settings``."""
    from jupyterlab_server.settings_utils import SETTINGS_EXTENSION, _path

    return _path(user_settings_dir, setting_id, extension=SETTINGS_EXTENSION)


def preset_user(handler: Any, user: Any) -> Any:
    """Tell ``handler``'s identity provider who the request is, before ``prepare`` asks it
    (for a kernel's credential, which only the platform can check); returns the identity.

    jupyter_server's ``IdentityProvider`` returns ``handler._jupyter_current_user`` when it
    is set.  JupyterHub's single-user ``JupyterHubIdentityProvider`` returns
    ``handler._jupyterhub_user`` instead, and its ``JupyterHubAuthorizer`` checks the
    user's hub scopes (``user.hub_user["scopes"]``) against the server's ``oauth_scopes``:
    a ``JupyterHubUser`` goes as it is (a co-editor the hub let in, as seen on the kernel's
    websocket), any other identity (the server's owner) gets exactly the scopes the server
    asks of its users.
    """
    provider = handler.identity_provider
    if type(provider).__module__.startswith("jupyterhub."):
        from jupyterhub.singleuser.extension import JupyterHubUser

        if not isinstance(user, JupyterHubUser):
            user = JupyterHubUser(
                {
                    "name": user.username,
                    "scopes": sorted(provider.hub_auth.oauth_scopes),
                    "user_info": {"display_name": user.display_name},
                }
            )
        handler._jupyterhub_user = user
    handler._jupyter_current_user = user
    return user
