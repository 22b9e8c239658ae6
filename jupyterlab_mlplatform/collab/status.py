"""Whether notebooks are co-edited on this server, and if not, how to turn it on."""

from __future__ import annotations

import importlib
from typing import Any

from .. import compat
from .models import CollabStatus

NOT_INSTALLED = (
    "Co-editing needs jupyter-collaboration, which is not installed on this server: "
    "run `pip install jupyter-collaboration` in the server's environment and restart it."
)
NOT_ENABLED = (
    "Co-editing is off: jupyter-collaboration's server extension (jupyter_server_ydoc) is "
    "not enabled on this server.  Run `jupyter server extension enable jupyter_server_ydoc` "
    "(and check the server's log for errors loading it), then restart the server."
)
RTC_DISABLED = (
    "Co-editing is turned off on this server (YDocExtension.disable_rtc = True).  Remove "
    "that setting (or start with --YDocExtension.disable_rtc=False) and restart the server."
)


def collab_status(serverapp: Any) -> CollabStatus:
    """Whether the running server co-edits notebooks: jupyter-collaboration installed, its
    server extension loaded and real-time collaboration not disabled."""
    ydoc_app = compat.loaded_ydoc_app(serverapp)
    if ydoc_app is None:
        if not _installed():
            return CollabStatus(enabled=False, reason="not_installed", message=NOT_INSTALLED)
        return CollabStatus(enabled=False, reason="disabled", message=NOT_ENABLED)
    if ydoc_app.disable_rtc:
        return CollabStatus(enabled=False, reason="disabled", message=RTC_DISABLED)
    return CollabStatus(enabled=True)


def _installed() -> bool:
    try:
        importlib.import_module(compat.YDOC_EXTENSION)
    except ImportError:
        return False
    return True
