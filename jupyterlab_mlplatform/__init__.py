"""jupyterlab_mlplatform: a team ML platform inside JupyterLab.

In a notebook, ``import jupyterlab_mlplatform as mlp`` gives the tracking client
(``mlp.start_run``, ``mlp.log_metric`` ...).  Importing the package stays light: the Jupyter
server extension is only imported when the server loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only without a build (e.g. a bare source checkout)
    __version__ = "0.0.0+unknown"

from .lazy import lazy_exports
from .tracking import client as _client

if TYPE_CHECKING:
    from .tracking.client import *

__all__ = ["__version__"]
__all__ += _client.__all__  # the one list of the client API

__getattr__ = lazy_exports(__name__, dict.fromkeys(_client.__all__, ".tracking.client"))
"""The client is imported on first use, so the server extension does not pay for it."""


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-mlplatform"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import MLPlatformApp

    return [{"module": "jupyterlab_mlplatform", "app": MLPlatformApp}]
