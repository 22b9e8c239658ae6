"""The YStore of co-edited documents: jupyter-collaboration's SQLite store, in the platform's
data folder, each document's history squashed after a day without edits.

The YStore records every Y update of every shared document.  It is what lets a client that
was disconnected (a suspended laptop, a server restart) merge its copy of a document back
without duplicating anything, and what JupyterLab's timeline slider replays.  Upstream keeps
it in ``.jupyter_ystore.db`` in whatever directory the server was started from and never
squashes it; :class:`MLPlatformYStore` changes only those two defaults, and only where
``c.SQLiteYStore.db_path`` / ``c.SQLiteYStore.squash_after_inactivity_of`` are not set.

Upstream builds the store with the server's config in the room websocket handler, but without
it in ``YDocExtension.get_document(create=True)``; :meth:`MLPlatformYStore.for_server` makes
a class that carries the config, so both build the same store.

Importing this module imports jupyter-collaboration.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from jupyter_core.paths import jupyter_data_dir
from jupyter_server_ydoc.stores import SQLiteYStore
from traitlets import default

from .. import compat

SQUASH_AFTER_INACTIVITY = 24 * 60 * 60
"""Default ``squash_after_inactivity_of`` (seconds): a document's history is collapsed into
one update by its first edit after a day without any.  A day keeps a working day's history
for the timeline slider and for clients that reconnect, and keeps the store from growing
without bound (upstream never squashes).  Squashing keeps the content and Yjs identity of
every item, so clients that reconnect after it still merge without duplicates."""

DB_NAME = "ystore.db"


class MLPlatformYStore(SQLiteYStore):  # type: ignore[misc]  # untyped upstream base
    """jupyter-collaboration's ``SQLiteYStore`` with the platform's defaults.

    - ``db_path``: ``<MLPlatformApp.data_dir>/collaboration/ystore.db``;
    - ``squash_after_inactivity_of``: :data:`SQUASH_AFTER_INACTIVITY`, or the deprecated
      ``document_ttl`` when that is set;
    - squashing keeps the document's content (see :func:`compat.apply_squashed_updates`).
    """

    directory: ClassVar[str] = ""
    """Folder of the default database (``for_server`` sets it)."""
    server_config: ClassVar[Any] = None
    """The server's config, for stores built without one (``for_server`` sets it)."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        if kwargs.get("config") is None and self.server_config is not None:
            kwargs["config"] = self.server_config
        super().__init__(path=path, **kwargs)
        compat.apply_squashed_updates(self)

    @default("db_path")
    def _default_db_path(self) -> str:
        return str(Path(self.directory or default_directory()) / DB_NAME)

    @default("squash_after_inactivity_of")
    def _default_squash_after_inactivity_of(self) -> int:
        ttl = self.document_ttl
        return int(ttl) if ttl is not None else SQUASH_AFTER_INACTIVITY

    @classmethod
    def for_server(cls, config: Any, directory: Path) -> type[MLPlatformYStore]:
        """The store class of one server: its default folder, and its config for every store
        built without one."""
        attributes = {
            "__module__": cls.__module__,
            "__doc__": cls.__doc__,
            "server_config": config,
            "directory": str(directory),
        }
        return type(cls.__name__, (cls,), attributes)


def default_directory() -> Path:
    """The folder of the default database when no server set one: ``collaboration`` in
    MLPlatformApp's default data_dir."""
    return Path(os.path.join(jupyter_data_dir(), "mlplatform", "collaboration"))
