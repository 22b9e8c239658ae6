"""What the platform does to jupyter-collaboration's server extension, at each step of the
server's start.

- **link** (``jupyter_server_ydoc`` is linked before us, loaded after: extensions are linked,
  then loaded, in name order): where the user did not configure them, point the YStore and
  the session store at ``<data_dir>/collaboration/`` (see :mod:`.ystore`).
- **load** (before the server accepts connections): forget the old clients' sessions unless
  the YStore that recorded them is intact (:mod:`.sessions`); greet the clients that join a
  room with everyone present (:mod:`.presence`); write who ran each cell into the live
  notebooks and guard every notebook room against forged records (:mod:`.attribution`,
  :mod:`.guard`); keep the activity feed (:mod:`.activity`).

Without jupyter-collaboration, with its extension disabled, or with
``YDocExtension.disable_rtc``, only the activity feed is kept (from executions and
deployment changes); nothing is written into notebooks.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .. import compat
from ..kernels.authors import ExecutionAuthors
from ..kernels.sessions import kernel_notebook_path
from ..private_files import make_private_dir, make_private_file
from .activity import ActivityFeed, Publish
from .attribution import CellAttribution, RunLookup
from .guard import RecordGuard
from .notebooks import LiveNotebooks
from .presence import PresenceRelay
from .saving import strip_execution_records
from .sessions import RestartCheck, forget_stale_sessions
from .signing import RecordSigner, load_or_create_key

SESSIONS_NAME = "sessions.json"
ACTIVITY_NAME = "activity.jsonl"
KEY_NAME = "attribution.key"
SESSION_EVENT = "https://schema.jupyter.org/jupyter_collaboration/session/v1"
"""jupyter-collaboration's event for rooms being initialized, loaded, saved, cleaned."""


class CollabExtension:
    def __init__(self, serverapp: Any, directory: Path, log: logging.Logger) -> None:
        self._serverapp = serverapp
        self.directory = directory
        """``<data_dir>/collaboration``: the default home of the YStore and session store."""
        self._log = log
        self.restart_check: RestartCheck | None = None
        self.presence: PresenceRelay | None = None
        self.feed: ActivityFeed | None = None
        self.cells: CellAttribution | None = None

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
        if session_store.parent == self.directory:
            # jupyter-collaboration rewrites it in place, keeping the mode it has
            make_private_file(session_store)
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
        compat.release_anyio_workers_at_exit()

    def activity_feed(self, publish: Publish, limit: int) -> ActivityFeed:
        """The server's activity feed, kept in ``<directory>/activity.jsonl``."""
        self.feed = ActivityFeed(self.directory / ACTIVITY_NAME, publish, limit)
        return self.feed

    def attribution(
        self,
        key: str,
        saved: bool,
        feed: ActivityFeed,
        authors: ExecutionAuthors,
        get_run: RunLookup,
    ) -> CellAttribution | None:
        """Who ran each cell, from the kernels' execute requests, into live notebooks and the
        feed; ``key`` signs the records (default: one kept in the directory); ``saved``
        False keeps them out of the notebook files."""
        try:
            signer = RecordSigner(
                key.encode() if key else load_or_create_key(self.directory / KEY_NAME)
            )
        except (OSError, ValueError) as e:
            self._log.error("Cells will not show who ran them: %s", e)
            return None
        serverapp = self._serverapp
        self.cells = CellAttribution(
            LiveNotebooks(lambda: compat.loaded_ydoc_app(serverapp)),
            signer,
            RecordGuard(signer),
            feed,
            session_path=lambda kernel_id: kernel_notebook_path(
                serverapp.session_manager, kernel_id
            ),
            get_run=get_run,
        )
        authors.add_listener(self.cells)
        if not saved:
            serverapp.contents_manager.register_pre_save_hook(strip_execution_records)
        if compat.loaded_ydoc_app(serverapp) is not None and serverapp.event_logger is not None:
            serverapp.event_logger.add_listener(schema_id=SESSION_EVENT, listener=self._on_room)
        return self.cells

    async def _on_room(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        """Guard every notebook room against forged execution records from its start."""
        room = data.get("room")
        if (
            self.cells is None
            or data.get("action") != "initialize"
            or not isinstance(room, str)
            or not room.startswith("json:notebook:")
        ):
            return
        try:
            document = await self.cells.notebooks.get_room(room)
            if document is not None:
                await self.cells.guard.watch(document)
        except Exception:  # noqa: BLE001 - logged; the room works unguarded meanwhile
            self._log.warning("Could not watch room %s for forged records", room, exc_info=True)

    async def stop(self) -> None:
        if self.presence is not None:
            await self.presence.stop()
        if self.cells is not None:
            await self.cells.close()
        if self.feed is not None:
            self.feed.close()

    def _make_directory(self) -> None:
        """``directory``, private to the server's user when we create it."""
        make_private_dir(self.directory)


def _unbound_platform_store(store_class: Any) -> bool:
    """Whether the configured store class is the platform's, not yet bound to a server."""
    from .ystore import MLPlatformYStore

    return (
        isinstance(store_class, type)
        and issubclass(store_class, MLPlatformYStore)
        and store_class.server_config is None
    )
