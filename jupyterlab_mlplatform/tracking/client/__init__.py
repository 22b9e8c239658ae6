"""The Python client of the tracking API (``import jupyterlab_mlplatform as mlp``).

``__all__`` is the one list of the public client API: the package's root exports exactly
these names, and ``tests/test_public_api.py`` checks them.  Each is imported on first use
from :mod:`.fluent` (runs, logging, reading) or :mod:`.artifacts` (files and models), so
reading the list stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_exports

if TYPE_CHECKING:
    from .artifacts import *
    from .fluent import *

__all__ = [
    "ActiveRun",
    "MLPlatformClientError",
    "ModelInfo",
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

_ARTIFACTS = ("ModelInfo", "load_model", "log_artifact", "log_figure", "log_model")
__getattr__ = lazy_exports(
    __name__,
    {name: ".artifacts" if name in _ARTIFACTS else ".fluent" for name in __all__},
)
