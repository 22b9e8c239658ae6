"""Whether automatic tracking is on for a notebook: the server, the user, the notebook.

- the server trait ``MLPlatformApp.autolog`` (off: for everyone);
- the user setting ``jupyterlab-mlplatform:autolog`` ``enabled``, read from JupyterLab's
  settings like the lab reads them (user settings over overrides over defaults);
- the notebook's ``metadata.mlplatform.autolog`` (``false``: off for that notebook), from
  the live shared document when the notebook is open for collaboration, else from the
  file (re-read only when it changed).

The same metadata section tells kernels which run a reopened notebook reproduces
(``metadata.mlplatform.reproduced_from``, see ``tracking/run_notebook.py``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from glob import glob
from typing import Any

from jupyter_core.utils import ensure_async
from pycrdt import Map

from ...compat import lab_setting_overrides, user_settings_file
from .models import AutologStatus

SETTING_ID = "jupyterlab-mlplatform:autolog"
METADATA_KEY = "mlplatform"


_RUN_ID = re.compile(r"^[\w-]{1,64}$")


@dataclass
class _Cached:
    last_modified: Any
    section: dict[str, Any]


class AutologSwitches:
    def __init__(self, server_enabled: bool, serverapp: Any, log: Any) -> None:
        self.server_enabled = server_enabled
        self._serverapp = serverapp
        self._log = log
        self._notebooks: dict[str, _Cached] = {}
        self._setting: tuple[tuple[Any, ...], bool] | None = None
        """The user setting as last read, and the state of the files it was read from."""

    async def status(self, notebook_path: str | None) -> AutologStatus:
        status = AutologStatus(
            enabled=True,
            server_enabled=self.server_enabled,
            notebook_path=notebook_path,
            experiment_name=notebook_path,
        )
        if not self.server_enabled:
            status.enabled, status.reason = False, "server"
        elif not self.user_setting_enabled():
            status.enabled, status.reason = False, "setting"
        elif notebook_path:
            section = await self.notebook_section(notebook_path)
            if section.get("autolog") is False:
                status.enabled, status.reason = False, "notebook"
            else:
                status.reproduced_from = _run_id(section.get("reproduced_from"))
        return status

    # -- the user setting ---------------------------------------------------------------

    def user_setting_enabled(self) -> bool:
        """Asked once per training cell: read again only when a file it comes from has
        changed (the user's settings file, the overrides)."""
        lab = self._lab_app()
        if lab is None:
            return True
        files = _setting_files_state(lab)
        if self._setting is not None and self._setting[0] == files:
            return self._setting[1]
        enabled = self._read_user_setting(lab)
        self._setting = (files, enabled)
        return enabled

    def _read_user_setting(self, lab: Any) -> bool:
        try:
            from jupyterlab_server.settings_utils import get_settings

            overrides = lab_setting_overrides(lab.app_settings_dir)
            settings, _ = get_settings(
                lab.app_settings_dir,
                lab.schemas_dir,
                lab.user_settings_dir,
                schema_name=SETTING_ID,
                overrides=overrides,
                labextensions_path=lab.extra_labextensions_path + lab.labextensions_path,
            )
        except Exception as e:  # noqa: BLE001 - an unreadable setting must not stop tracking
            self._log.warning("Could not read the %s setting: %s", SETTING_ID, e, exc_info=True)
            return True
        return bool((settings.get("settings") or {}).get("enabled", True))

    def _lab_app(self) -> Any:
        manager = getattr(self._serverapp, "extension_manager", None)
        apps = getattr(manager, "extension_apps", {}) if manager is not None else {}
        for app in apps.get("jupyterlab", ()):
            if hasattr(app, "user_settings_dir"):
                return app
        return None

    # -- the notebook -------------------------------------------------------------------

    async def notebook_section(self, path: str) -> dict[str, Any]:
        """The notebook's ``metadata.mlplatform`` ({} when it has none or is unreadable)."""
        live = await self._live_metadata(path)
        if live is not None:
            return _section(live)
        contents = self._serverapp.contents_manager
        try:
            model = await ensure_async(contents.get(path, content=False))
            cached = self._notebooks.get(path)
            if cached is not None and cached.last_modified == model.get("last_modified"):
                return cached.section
            full = await ensure_async(contents.get(path, content=True, type="notebook"))
        except Exception as e:  # noqa: BLE001 - no such notebook (yet): the default holds
            self._log.debug("Could not read %s for its autolog switch: %s", path, e, exc_info=True)
            return {}
        metadata = dict((full.get("content") or {}).get("metadata") or {})
        section = _section(metadata)
        self._notebooks[path] = _Cached(full.get("last_modified"), section)
        return section

    async def _live_metadata(self, path: str) -> dict[str, Any] | None:
        """The metadata of the shared document, when the notebook is open in a room."""
        ydoc_extension = self._serverapp.web_app.settings.get("jupyter_server_ydoc")
        if ydoc_extension is None:
            return None
        try:
            document = await ydoc_extension.get_document(
                path=path, content_type="notebook", file_format="json", copy=False
            )
            if document is None:
                return None
            # The notebook's metadata, without reading its cells (jupyter_ydoc keeps it
            # in the document's "meta" map, as JupyterLab's shared model does).
            meta = document.ydoc.get("meta", type=Map).get("metadata")
            return dict(meta.to_py() if hasattr(meta, "to_py") else meta or {})
        except Exception as e:  # noqa: BLE001 - fall back to the file
            self._log.debug("Could not read the live metadata of %s: %s", path, e, exc_info=True)
            return None


def _section(metadata: dict[str, Any]) -> dict[str, Any]:
    section = metadata.get(METADATA_KEY)
    return dict(section) if isinstance(section, dict) else {}


def _run_id(value: Any) -> str | None:
    """The source run id of a reopened notebook, when it looks like a run id."""
    return value if isinstance(value, str) and _RUN_ID.match(value) else None


def _setting_files_state(lab: Any) -> tuple[Any, ...]:
    """Size and modification time of each file the user setting is read from, None for
    those missing: the user's settings file where jupyterlab_server keeps it, and the
    overrides :func:`~jupyterlab_mlplatform.compat.lab_setting_overrides` reads."""
    overrides = os.path.join(lab.app_settings_dir, "overrides")
    paths = [
        user_settings_file(lab.user_settings_dir, SETTING_ID),
        *sorted(glob(os.path.join(lab.app_settings_dir, "overrides.d", "*.json*"))),
        overrides + ".json",
        overrides + ".json5",
    ]
    state: list[Any] = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            state.append((path, None))
        else:
            state.append((path, stat.st_size, stat.st_mtime_ns))
    return tuple(state)
