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

if TYPE_CHECKING:
    from .tracking.client import (
        ActiveRun,
        MLPlatformClientError,
        ModelInfo,
        active_run,
        end_run,
        flush,
        get_run,
        load_model,
        log_artifact,
        log_figure,
        log_metric,
        log_metrics,
        log_model,
        log_param,
        log_params,
        search_runs,
        set_experiment,
        set_tag,
        set_tags,
        start_run,
    )

__all__ = [
    "ActiveRun",
    "MLPlatformClientError",
    "ModelInfo",
    "__version__",
    "active_run",
    "end_run",
    "flush",
    "get_run",
    "load_model",
    "log_artifact",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "start_run",
]


def __getattr__(name: str) -> Any:
    """The client is imported on first use, so the server extension does not pay for it."""
    if name in __all__ and name != "__version__":
        from .tracking import client

        value = getattr(client, name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-mlplatform"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import MLPlatformApp

    return [{"module": "jupyterlab_mlplatform", "app": MLPlatformApp}]
