"""What the platform does to jupyter-collaboration's server extension, at each step of the
server's start.

- **link** (``jupyter_server_ydoc`` is linked before us, loaded after: extensions are linked,
  then loaded, in name order): where the user did not configure them, point the YStore and
  the session store at ``<data_dir>/collaboration/`` (see :mod:`.ystore`).
- **load** (before the server accepts connections): forget the old clients' sessions unless
  the YStore that recorded them is intact (:mod:`.sessions`); greet the clients that join a
  room with everyone present (:mod:`.presence`).

Without jupyter-collaboration, with its extension disabled, or with
``YDocExtension.disable_rtc``, none of this happens.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .. import compat
from .presence import PresenceRelay
from .sessions import RestartCheck, forget_stale_sessions

SESSIONS_NAME = "sessions.json"


class CollabExtension:
    def __init__(self, serverapp: Any, directory: Path, log: logging.Logger) -> None:
        self._serverapp = serverapp
        self.directory = directory
        """``<data_dir>/collaboration``: the default home of the YStore and session store."""
        self._log = log
        self.restart_check: RestartCheck | None = None
        self.presence: PresenceRelay | None = None

    def link(self) -> None:
        """Our defaults for the upstream settings the user did not configure."""
        ydoc_app = compat.linked_ydoc_app(self._serverapp)
        if ydoc_app is None or ydoc_app.disable_rtc:
            return
        configured = ydoc_app.config.get("YDocExtension", {})
        if "ystore_class" not in configured or _unbound_platform_store(ydoc_app.ystore_class):
            from .ystore import MLPlatformYStore

            # Ours by default, or the user's choice of our class (or a subclass of it):
            # bound to this server's folder and config either way.
            chosen = ydoc_app.ystore_class if "ystore_class" in configured else MLPlatformYStore
            self._make_directory()
            ydoc_app.ystore_class = chosen.for_server(ydoc_app.config, self.directory)
        if "session_store_path" not in configured:
            self._make_directory()
            ydoc_app.session_store_path = str(self.directory / SESSIONS_NAME)

    def load(self) -> None:
        """The restart check and the presence relay; before the server accepts connections."""
        ydoc_app = compat.loaded_ydoc_app(self._serverapp)
        if ydoc_app is None or ydoc_app.disable_rtc:
            return
        session_store = compat.session_store_path(ydoc_app, self._serverapp.root_dir)
        check = forget_stale_sessions(
            ydoc_app.ystore_class, ydoc_app.config, session_store, self._log
        )
        self.restart_check = check
        self._log.info(
            "Co-editing: YStore %s (%s), session store %s; tabs open from before this start %s",
            check.db_path or ydoc_app.ystore_class.__name__,
            check.state.value,
            session_store,
            "may resume" if check.sessions_kept else "will be asked to reload",
        )
        self.presence = PresenceRelay(self._log)
        compat.on_room_added(compat.websocket_server(ydoc_app), self.presence.watch)

    async def stop(self) -> None:
        if self.presence is not None:
            await self.presence.stop()

    def _make_directory(self) -> None:
        """``directory``, private to the server's user when we create it."""
        if not self.directory.is_dir():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.directory.chmod(0o700)


def _unbound_platform_store(store_class: Any) -> bool:
    """Whether the configured store class is the platform's, not yet bound to a server."""
    from .ystore import MLPlatformYStore

    return (
        isinstance(store_class, type)
        and issubclass(store_class, MLPlatformYStore)
        and store_class.server_config is None
    )
