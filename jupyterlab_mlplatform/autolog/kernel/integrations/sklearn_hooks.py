"""scikit-learn: every estimator's fit, fit_transform and fit_predict, Pipelines, searches.

Estimators are patched as their classes are created: ``BaseEstimator.__init_subclass__``
gains a step that wraps the class's own fit methods (classes that existed before, e.g.
when the extension is loaded late, are wrapped at install).  A transformer on its own does
not start a run (scaling data is not training); inside a training call it is part of it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..models import PARITY_ROWS, input_example
from ..safety import guard
from .patching import ORIGINAL

FIT_METHODS = ("fit", "fit_transform", "fit_predict")
MAX_TUNING_RUNS = 100


def install(autolog: Any, base: ModuleType) -> None:
    estimator_class = base.BaseEstimator
    for cls in _subclasses(estimator_class):
        _wrap_class(cls, autolog)
    if getattr(estimator_class, "__mlplatform_hooked__", False):
        return
    own = estimator_class.__dict__.get("__init_subclass__")

    def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
        if own is not None:
            own.__func__(cls, **kwargs)
        else:
            super(estimator_class, cls).__init_subclass__(**kwargs)
        with guard(f"hooking {cls.__qualname__}"):
            _wrap_class(cls, autolog)

    estimator_class.__init_subclass__ = classmethod(__init_subclass__)
    estimator_class.__mlplatform_hooked__ = True


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    pending: list[type] = [cls]
    while pending:
        sub: type
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


def _wrap_class(cls: type, autolog: Any) -> None:
    for name in FIT_METHODS:
        method = cls.__dict__.get(name)
        if inspect.isfunction(method) and not hasattr(method, ORIGINAL):
            setattr(cls, name, _patched(method, autolog))


def _patched(original: Callable[..., Any], autolog: Any) -> Callable[..., Any]:
    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        search = _is_search(self)
        with autolog.training(
            "search" if search else "sklearn",
            type(self).__name__,
            starts_run=_is_predictor(self),
            flavor="sklearn",
        ) as call:
            result = original(self, *args, **kwargs)
            if call is not None and len(call.kinds) == 1:
                with guard(f"recording {type(self).__name__}.{original.__name__}"):
                    _record(call, self, args, kwargs, search)
            return result

    setattr(fit, ORIGINAL, original)
    return fit


def _is_predictor(estimator: Any) -> bool:
    return any(hasattr(estimator, name) for name in ("predict", "predict_proba", "score"))


def _is_search(estimator: Any) -> bool:
    return hasattr(type(estimator), "_run_search")


def _record(
    call: Any, estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any], search: bool
) -> None:
    call.set_tag("mlplatform.library", "sklearn")
    call.log_params(estimator.get_params(deep=True))
    x = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    if x is not None and y is not None:
        _training_metrics(call, estimator, x, y, kwargs.get("sample_weight"))
    if search and hasattr(estimator, "cv_results_"):
        _record_search(call, estimator)
    example, training = input_example(x), input_example(x, PARITY_ROWS)
    best = getattr(estimator, "best_estimator_", None) if search else estimator
    if not call.log_model(best, example, training) and search:
        call.log_model(estimator, example, training)


def _training_metrics(call: Any, estimator: Any, x: Any, y: Any, weight: Any) -> None:
    from sklearn import base, metrics

    scores: dict[str, Callable[[], float]] = {}
    if hasattr(estimator, "score"):
        scores["training_score"] = lambda: estimator.score(x, y)
    if base.is_classifier(estimator) and hasattr(estimator, "predict"):
        predicted = estimator.predict(x)
        kw = {"sample_weight": weight}
        scores["training_accuracy_score"] = lambda: metrics.accuracy_score(y, predicted, **kw)
        for name, fn in (
            ("precision", metrics.precision_score),
            ("recall", metrics.recall_score),
            ("f1", metrics.f1_score),
        ):
            scores[f"training_{name}_score"] = functools.partial(
                fn, y, predicted, average="weighted", zero_division=0, **kw
            )
        if hasattr(estimator, "predict_proba"):

            def log_loss() -> float:
                return float(metrics.log_loss(y, estimator.predict_proba(x), **kw))

            scores["training_log_loss"] = log_loss
    elif base.is_regressor(estimator) and hasattr(estimator, "predict"):
        predicted = estimator.predict(x)
        kw = {"sample_weight": weight}

        def mse() -> float:
            return float(metrics.mean_squared_error(y, predicted, **kw))

        scores["training_mean_squared_error"] = mse
        scores["training_root_mean_squared_error"] = lambda: mse() ** 0.5
        scores["training_mean_absolute_error"] = lambda: metrics.mean_absolute_error(
            y, predicted, **kw
        )
        scores["training_r2_score"] = lambda: metrics.r2_score(y, predicted, **kw)
    for key, compute in scores.items():
        with guard(f"computing {key}"):
            call.log_metric(key, float(compute()))


def _record_search(call: Any, search: Any) -> None:
    call.log_params({f"best_{k}": v for k, v in search.best_params_.items()})
    if getattr(search, "best_score_", None) is not None:
        call.log_metric("best_cv_score", float(search.best_score_))
    results = dict(search.cv_results_)
    ranks = list(results.get("rank_test_score", range(1, len(results["params"]) + 1)))
    order = sorted(range(len(results["params"])), key=lambda i: ranks[i])[:MAX_TUNING_RUNS]
    parent_id = call.run.run_id
    experiment_id = call.run.active.run.experiment_id
    candidates = []
    for i in order:
        metrics = {}
        for key, values in results.items():
            if key.startswith(("mean_", "std_", "rank_")):
                try:
                    metrics[key] = float(values[i])
                except (TypeError, ValueError):
                    continue
        candidates.append((dict(results["params"][i]), metrics))
    call.set_tag("mlplatform.search.candidates", str(len(results["params"])))
    name = type(search).__name__
    call.add_children(lambda: _log_candidates(parent_id, experiment_id, name, candidates))


def _log_candidates(
    parent_id: str,
    experiment_id: str,
    search_name: str,
    candidates: list[tuple[dict[str, Any], dict[str, float]]],
) -> None:
    """One finished child run per candidate (best first), after the cell."""
    import time

    from ....tracking.client import fluent
    from ..session import param_text

    session = fluent._session()
    now = int(time.time() * 1000)
    for rank, (params, metrics) in enumerate(candidates, start=1):
        run = session.transport.request(
            "POST",
            "runs",
            json={
                "experiment_id": experiment_id,
                "name": f"{search_name} candidate {rank}",
                "params": {str(k): param_text(v) for k, v in params.items()},
                "tags": {"mlflow.parentRunId": parent_id, "mlplatform.autolog": "true"},
            },
        )
        run_id = run["run_id"]
        session.transport.request(
            "POST",
            f"runs/{run_id}/log",
            json={
                "metrics": [
                    {"key": k, "value": v, "step": 0, "timestamp": now} for k, v in metrics.items()
                ]
            },
        )
        session.transport.request("PATCH", f"runs/{run_id}", json={"status": "FINISHED"})
