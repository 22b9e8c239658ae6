"""XGBoost: ``xgboost.train`` (which the scikit-learn wrappers call too).

Logs the params passed and the booster's full configuration (defaults included), the eval
metrics of every iteration as they happen (a training callback), the best iteration, and
the model in XGBoost's UBJSON format.  Inside a hyper-parameter search the candidates'
iterations are not logged.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from ..safety import guard
from .patching import patch_train


def install(autolog: Any, xgb: Any) -> None:
    patch_train(
        autolog,
        ("xgboost.training", "xgboost", "xgboost.sklearn"),
        "xgboost",
        lambda call: _metrics_callback(xgb, call),
        _record,
    )


def _metrics_callback(xgb: ModuleType, call: Any) -> Any:
    class MetricsCallback(xgb.callback.TrainingCallback):  # type: ignore[misc, name-defined]
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            with guard("logging XGBoost metrics"):
                for data, metrics in evals_log.items():
                    for metric, values in metrics.items():
                        value = values[-1]
                        if isinstance(value, tuple):  # xgboost.cv: (mean, std)
                            value = value[0]
                        call.log_iteration(f"{data}-{metric}", float(value), epoch)
            return False

    return MetricsCallback()


def _record(call: Any, booster: Any, bound: Any, outermost: bool) -> None:
    call.set_tag("mlplatform.library", "xgboost")
    params: dict[str, Any] = {}
    if bound is not None:
        params.update(dict(bound.arguments.get("params") or {}))
        for name in ("num_boost_round", "early_stopping_rounds", "maximize"):
            if name in bound.arguments:
                params[name] = bound.arguments[name]
    params.update({k: v for k, v in _configuration(booster).items() if k not in params})
    call.log_params(params)
    best = getattr(booster, "best_iteration", None)
    if best is not None:
        call.log_metric("best_iteration", float(best))
    if outermost:
        call.log_model(booster)  # a DMatrix: no rows to take


def _configuration(booster: Any) -> dict[str, str]:
    """The booster's effective parameters, defaults included (from its saved config).

    XGBoost nests them in sections named ``*_param`` (``tree_train_param``,
    ``generic_param``, the updaters' and the objective's); ``*_model_param`` sections
    describe the fitted model, not the training, and are left out.
    """
    found: dict[str, str] = {}

    def walk(node: Any, in_section: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, in_section)
        elif isinstance(node, dict):
            for key, value in node.items():
                section = key.endswith("_param") and not key.endswith("model_param")
                if in_section and isinstance(value, str):
                    found.setdefault(key, value)
                else:
                    walk(value, section)

    walk(json.loads(booster.save_config()).get("learner", {}), False)
    return found
