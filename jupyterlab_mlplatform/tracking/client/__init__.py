"""The Python client of the tracking API (``import jupyterlab_mlplatform as mlp``)."""

from __future__ import annotations

from .fluent import (
    ActiveRun,
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
from .transport import MLPlatformClientError

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
