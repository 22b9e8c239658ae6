"""LightGBM: ``lightgbm.train`` (which the scikit-learn wrappers call too).

Logs the params passed plus every effective parameter the model records (defaults
included), the eval metrics of every iteration as they happen (a callback), the best
iteration, and the model in LightGBM's text format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import PARITY_ROWS, input_example
from ..safety import guard
from .patching import patch_train


def install(autolog: Any, lgb: Any) -> None:
    patch_train(
        autolog,
        ("lightgbm.engine", "lightgbm", "lightgbm.sklearn"),
        "lightgbm",
        _metrics_callback,
        _record,
    )


def _metrics_callback(call: Any) -> Callable[[Any], None]:
    def log_evaluation(env: Any) -> None:
        with guard("logging LightGBM metrics"):
            for item in env.evaluation_result_list or []:
                data, metric, value = item[0], item[1], item[2]
                call.log_iteration(f"{data}-{metric}", float(value), int(env.iteration))

    log_evaluation.order = 100  # type: ignore[attr-defined]  # after LightGBM's own
    return log_evaluation


def _record(call: Any, booster: Any, bound: Any, outermost: bool) -> None:
    call.set_tag("mlplatform.library", "lightgbm")
    params: dict[str, Any] = {}
    if bound is not None:
        params.update(dict(bound.arguments.get("params") or {}))
        if "num_boost_round" in bound.arguments:
            params.setdefault("num_boost_round", bound.arguments["num_boost_round"])
    params.update({k: v for k, v in _effective_params(booster).items() if k not in params})
    call.log_params(params)
    best = getattr(booster, "best_iteration", 0)
    if best:
        call.log_metric("best_iteration", float(best))
    if outermost:
        train_set = bound.arguments.get("train_set") if bound is not None else None
        data = getattr(train_set, "data", None)  # kept by free_raw_data=False
        call.log_model(booster, input_example(data), input_example(data, PARITY_ROWS))


def _effective_params(booster: Any) -> dict[str, str]:
    """The ``parameters:`` section LightGBM writes at the end of a text model."""
    text = booster.model_to_string()
    start = text.rfind("\nparameters:\n")
    if start < 0:
        return {}
    found: dict[str, str] = {}
    for line in text[start:].splitlines()[2:]:
        if line.startswith("end of parameters"):
            break
        if line.startswith("[") and line.endswith("]") and ": " in line:
            key, _, value = line[1:-1].partition(": ")
            found[key] = value
    return found
