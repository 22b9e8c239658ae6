"""Translation between MLflow's entities and ours (pure: no tornado, no I/O).

What maps to what:

- our run ``name`` is MLflow's ``run_name`` and its ``mlflow.runName`` tag; our ``user`` (the
  person the server authenticated) is ``user_id`` and the ``mlflow.user`` tag.  Neither tag is
  stored: the client's values would contradict ours.  Setting ``mlflow.runName`` renames.
- a run whose notebook we know reports it as ``mlflow.source.name`` (type ``NOTEBOOK``), and
  the client's own guess (``ipykernel_launcher.py``) is not kept.
- artifact locations are ``mlflow-artifacts:/<experiment>/<run>/artifacts`` and
  ``mlflow-artifacts:/<experiment>/models/<model>/artifacts``, so the client moves files
  through this server's artifact proxy, whatever storage is behind it.
- MLflow's default experiment ``"0"`` is our experiment named ``Default``.
- statuses and lifecycle stages have the same names on both sides; a logged model's status
  gains MLflow's ``LOGGED_MODEL_`` prefix.

Why one module of over 500 lines: it is the whole mapping between MLflow's wire and ours, in
one namespace the handlers read as ``translate.*``, and the rules above cut across its
entities (the default experiment, the artifact URIs, the derived tags).  It is pure functions
in sections, one per entity (experiments, runs, logged models, the artifact proxy's paths),
each read on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from .. import constants
from ..errors import InvalidArgument, NotFound
from ..tracking import models as ours
from ..tracking.artifacts import safe_relative_path
from ..tracking.search import Grammar
from ..tracking.search.evaluator import Record
from . import models as wire

ARTIFACTS_SCHEME = "mlflow-artifacts:"
DEFAULT_EXPERIMENT_ID = str(constants.DEFAULT_EXPERIMENT_ID)
"""MLflow's id of :data:`constants.DEFAULT_EXPERIMENT_NAME`, a string on its wire."""

RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"
DERIVED_RUN_TAGS = frozenset({RUN_NAME_TAG, USER_TAG})
"""Tags that mirror a run's own fields: shown, never stored."""

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
"""MLflow's limits of one log-batch request."""


def invalid_request(error: ValidationError) -> InvalidArgument:
    """A short message naming the first bad fields, without the submitted values."""
    problems = []
    for item in error.errors(include_input=False, include_url=False)[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        problems.append(f"{where}: {item['msg']}")
    return InvalidArgument("Invalid value: " + "; ".join(problems))


# -- experiments ----------------------------------------------------------------------------


def experiment_artifact_uri(experiment_id: str) -> str:
    return f"{ARTIFACTS_SCHEME}/{experiment_id}"


def experiment_to_mlflow(experiment: ours.Experiment) -> wire.Experiment:
    tags = dict(experiment.tags)
    if experiment.description and "mlflow.note.content" not in tags:
        tags["mlflow.note.content"] = experiment.description
    return wire.Experiment(
        experiment_id=experiment.experiment_id,
        name=experiment.name,
        artifact_location=experiment_artifact_uri(experiment.experiment_id),
        lifecycle_stage=experiment.lifecycle_stage.value,
        last_update_time=experiment.last_update_time,
        creation_time=experiment.creation_time,
        tags=[wire.KeyValue(key=k, value=v) for k, v in tags.items()],
    )


def experiment_create(request: wire.CreateExperiment) -> ours.ExperimentCreate:
    if request.artifact_location:
        raise InvalidArgument(
            "artifact_location cannot be chosen: this server stores every experiment's "
            "artifacts under its own artifact root."
        )
    try:
        return ours.ExperimentCreate(name=request.name, tags=_pairs(request.tags, "tags"))
    except ValidationError as e:
        raise invalid_request(e) from None


def experiment_tags(tags: dict[str, str]) -> ours.ExperimentUpdate:
    try:
        return ours.ExperimentUpdate(tags=tags)
    except ValidationError as e:
        raise invalid_request(e) from None


EXPERIMENT_ATTRIBUTES = {
    "name": "name",
    "experiment_id": "experiment_id",
    "creation_time": "creation_time",
    "last_update_time": "last_update_time",
}
EXPERIMENT_NUMERIC = frozenset({"creation_time", "last_update_time"})
EXPERIMENT_FILTER = Grammar(
    EXPERIMENT_ATTRIBUTES,
    EXPERIMENT_NUMERIC,
    entities=frozenset({"attribute", "tag", "param"}),
    boolean_or=False,
    null_tests=False,
)
"""MLflow's experiment filters: attributes, tags (and params, which experiments never
have), comparisons joined by ``AND``."""
EXPERIMENT_ORDER = Grammar(
    EXPERIMENT_ATTRIBUTES, EXPERIMENT_NUMERIC, entities=frozenset({"attribute"})
)
"""What experiment searches sort by: attributes."""


def experiment_record(experiment: ours.Experiment) -> Record:
    return Record(
        attributes={
            "name": experiment.name,
            # A number, so that experiments sort as MLflow sorts them (9 before 10)
            "experiment_id": int(experiment.experiment_id),
            "creation_time": experiment.creation_time,
            "last_update_time": experiment.last_update_time,
        },
        tags=experiment.tags,
        params={},
    )


# -- runs -----------------------------------------------------------------------------------


def run_artifact_uri(experiment_id: str, run_id: str) -> str:
    return f"{ARTIFACTS_SCHEME}/{experiment_id}/{run_id}/artifacts"


def run_info_to_mlflow(run: ours.Run) -> wire.RunInfo:
    return wire.RunInfo(
        run_id=run.run_id,
        run_uuid=run.run_id,
        run_name=run.name,
        experiment_id=run.experiment_id,
        user_id=run.user,
        status=run.status.value,
        start_time=run.start_time,
        end_time=run.end_time,
        artifact_uri=run_artifact_uri(run.experiment_id, run.run_id),
        lifecycle_stage=run.lifecycle_stage.value,
    )


def run_tags_to_mlflow(run: ours.Run) -> list[wire.KeyValue]:
    tags = {k: v for k, v in run.tags.items() if k not in DERIVED_RUN_TAGS}
    tags[RUN_NAME_TAG] = run.name
    if run.user:
        tags[USER_TAG] = run.user
    if run.source.notebook_path:
        tags[SOURCE_NAME_TAG] = run.source.notebook_path
        tags[SOURCE_TYPE_TAG] = "NOTEBOOK"
    return [wire.KeyValue(key=k, value=v) for k, v in tags.items()]


def run_inputs_to_mlflow(inputs: ours.RunInputs | None) -> wire.RunInputs:
    """MLflow's ``RunInputs``: ``DatasetInput`` (the dataset, the input's tags) and model
    inputs."""
    if inputs is None:
        return wire.RunInputs()
    datasets: list[dict[str, object]] = []
    for d in inputs.datasets:
        dataset: dict[str, object] = {
            "name": d.name,
            "digest": d.digest,
            "source_type": d.source_type,
            "source": d.source,
        }
        if d.dataset_schema is not None:
            dataset["schema"] = d.dataset_schema
        if d.profile is not None:
            dataset["profile"] = d.profile
        datasets.append(
            {"tags": [{"key": k, "value": v} for k, v in d.tags.items()], "dataset": dataset}
        )
    return wire.RunInputs(
        dataset_inputs=datasets, model_inputs=[{"model_id": m} for m in inputs.model_ids]
    )


def run_inputs(request: wire.LogInputs) -> ours.RunInputs:
    try:
        return ours.RunInputs(
            datasets=[
                ours.DatasetInput(
                    name=i.dataset.name,
                    digest=i.dataset.digest,
                    source_type=i.dataset.source_type,
                    source=i.dataset.source,
                    dataset_schema=i.dataset.dataset_schema,
                    profile=i.dataset.profile,
                    tags=_pairs(i.tags, "tags", last_wins=True),
                )
                for i in request.datasets
            ],
            model_ids=[m.model_id for m in request.models],
        )
    except ValidationError as e:
        raise invalid_request(e) from None


def run_to_mlflow(
    run: ours.Run,
    outputs: Sequence[ours.ModelOutput] = (),
    inputs: ours.RunInputs | None = None,
) -> wire.Run:
    return wire.Run(
        info=run_info_to_mlflow(run),
        data=wire.RunData(
            metrics=[
                wire.Metric(key=k, value=m.value, timestamp=m.timestamp, step=m.step)
                for k, m in run.metrics.items()
            ],
            params=[wire.KeyValue(key=k, value=v) for k, v in run.params.items()],
            tags=run_tags_to_mlflow(run),
        ),
        inputs=run_inputs_to_mlflow(inputs),
        outputs=wire.RunOutputs(
            model_outputs=[wire.ModelOutput(model_id=o.model_id, step=o.step) for o in outputs]
        ),
    )


def run_create(
    request: wire.CreateRun, experiment_id: str, source: ours.RunSource | None
) -> ours.RunCreate:
    """Our run for MLflow's ``runs/create``: its name from ``run_name`` or the tag.  The
    client's guess of its source (``ipykernel_launcher.py`` in a kernel) is dropped when we
    know the notebook."""
    tags = _pairs(request.tags, "tags", last_wins=True)
    name = request.run_name or tags.get(RUN_NAME_TAG) or None
    if source is not None and source.notebook_path:
        tags.pop(SOURCE_NAME_TAG, None)
        tags.pop(SOURCE_TYPE_TAG, None)
    try:
        return ours.RunCreate(
            experiment_id=experiment_id,
            name=name,
            tags={k: v for k, v in tags.items() if k not in DERIVED_RUN_TAGS},
            source=source,
            start_time=request.start_time,
        )
    except ValidationError as e:
        raise invalid_request(e) from None


def run_update(request: wire.UpdateRun) -> ours.RunUpdate:
    try:
        return ours.RunUpdate(
            status=ours.RunStatus(request.status) if request.status else None,
            end_time=request.end_time,
            name=request.run_name or None,
        )
    except ValidationError as e:
        raise invalid_request(e) from None


@dataclass(frozen=True)
class Batch:
    """A log batch in our terms, and the new run name a ``mlflow.runName`` tag asks for."""

    batch: ours.LogBatch
    rename: str | None = None


def log_batch(
    metrics: Sequence[wire.MetricIn],
    params: Sequence[wire.KeyValueIn],
    tags: Sequence[wire.KeyValueIn],
) -> Batch:
    """Check MLflow's limits and translate.  A param given twice with two values is refused
    (params are immutable); of a tag given twice the last value wins."""
    _check_limit("metrics", len(metrics), MAX_METRICS_PER_BATCH)
    _check_limit("params", len(params), MAX_PARAMS_TAGS_PER_BATCH)
    _check_limit("tags", len(tags), MAX_PARAMS_TAGS_PER_BATCH)
    total = len(metrics) + len(params) + len(tags)
    if total > MAX_ENTITIES_PER_BATCH:
        raise InvalidArgument(
            f"A batch holds at most {MAX_ENTITIES_PER_BATCH} metrics, params and tags in "
            f"total; this one has {total}."
        )
    param_values = _pairs(params, "params")
    tag_values = _pairs(tags, "tags", last_wins=True)
    rename = tag_values.pop(RUN_NAME_TAG, None)
    tag_values.pop(USER_TAG, None)
    points: list[dict[str, object]] = []
    for metric in metrics:
        points.append(
            {
                "key": metric.key,
                "value": metric.value,
                "step": metric.step,
                "timestamp": metric.timestamp,
            }
        )
    try:
        batch = ours.LogBatch.model_validate(
            {"metrics": points, "params": param_values, "tags": tag_values}
        )
    except ValidationError as e:
        raise invalid_request(e) from None
    return Batch(batch, rename or None)


def model_metrics(run_id: str, metrics: Sequence[wire.MetricIn]) -> list[ours.ModelMetric]:
    """The points logged with a ``model_id``: also recorded for that logged model."""
    return [
        ours.ModelMetric(
            model_id=m.model_id,
            run_id=run_id,
            key=m.key,
            value=m.value,
            timestamp=m.timestamp,
            step=m.step,
            dataset_name=m.dataset_name,
            dataset_digest=m.dataset_digest,
        )
        for m in metrics
        if m.model_id
    ]


def _check_limit(what: str, count: int, limit: int) -> None:
    if count > limit:
        raise InvalidArgument(f"A batch holds at most {limit} {what}; this one has {count}.")


def _pairs(items: Sequence[wire.KeyValueIn], what: str, last_wins: bool = False) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        if not last_wins and item.key in values and values[item.key] != item.value:
            raise InvalidArgument(
                f"Two {what} in the request have the same key and different values."
            )
        values[item.key] = item.value
    return values


def metric_history_to_mlflow(history: ours.MetricHistory) -> list[wire.Metric]:
    return [
        wire.Metric(key=history.key, value=value, timestamp=timestamp, step=step)
        for step, timestamp, value in zip(
            history.steps, history.timestamps, history.values, strict=True
        )
    ]


# -- logged models --------------------------------------------------------------------------

_MODEL_STATUS = {
    ours.LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    ours.LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    ours.LoggedModelStatus.FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}
_MODEL_STATUS_BACK = {name: status for status, name in _MODEL_STATUS.items()}


def model_artifact_uri(experiment_id: str, model_id: str) -> str:
    return f"{ARTIFACTS_SCHEME}/{experiment_id}/models/{model_id}/artifacts"


def logged_model_to_mlflow(
    model: ours.LoggedModel, metrics: Sequence[ours.ModelMetric] = ()
) -> wire.LoggedModel:
    tags = model.tags
    return wire.LoggedModel(
        info=wire.LoggedModelInfo(
            model_id=model.model_id,
            experiment_id=model.experiment_id,
            name=model.name,
            creation_timestamp_ms=model.creation_time,
            last_updated_timestamp_ms=model.last_update_time,
            artifact_uri=model_artifact_uri(model.experiment_id, model.model_id),
            status=_MODEL_STATUS[model.status],
            model_type=model.model_type,
            source_run_id=model.source_run_id,
            status_message=model.status_message,
            tags=[wire.KeyValue(key=k, value=v) for k, v in tags.items()],
        ),
        data=wire.LoggedModelData(
            params=[wire.KeyValue(key=k, value=v) for k, v in model.params.items()],
            metrics=[
                wire.Metric(
                    key=m.key,
                    value=m.value,
                    timestamp=m.timestamp,
                    step=m.step,
                    run_id=m.run_id,
                    model_id=m.model_id,
                    dataset_name=m.dataset_name,
                    dataset_digest=m.dataset_digest,
                )
                for m in metrics
            ],
        ),
    )


def logged_model_status(name: str) -> ours.LoggedModelStatus:
    return _MODEL_STATUS_BACK[name]


def logged_model_create(
    request: wire.CreateLoggedModel, experiment_id: str
) -> ours.LoggedModelCreate:
    try:
        return ours.LoggedModelCreate(
            experiment_id=experiment_id,
            name=request.name,
            source_run_id=request.source_run_id,
            model_type=request.model_type,
            params=_pairs(request.params, "params"),
            tags=_model_tags(request.tags),
        )
    except ValidationError as e:
        raise invalid_request(e) from None


def logged_model_update(
    params: Sequence[wire.KeyValueIn] = (), tags: Sequence[wire.KeyValueIn] = ()
) -> ours.LoggedModelUpdate:
    try:
        return ours.LoggedModelUpdate(
            params=_pairs(params, "params") or None,
            tags=_model_tags(tags) or None,
        )
    except ValidationError as e:
        raise invalid_request(e) from None


def _model_tags(tags: Sequence[wire.KeyValueIn]) -> dict[str, str]:
    """A model's tags exactly as the client set them, as MLflow keeps them (its creator,
    ``created_by``, is ours and is not a tag)."""
    return _pairs(tags, "tags", last_wins=True)


LOGGED_MODEL_ATTRIBUTES = {
    "name": "name",
    "model_id": "model_id",
    "model_type": "model_type",
    "status": "status",
    "source_run_id": "source_run_id",
    "experiment_id": "experiment_id",
    "creation_timestamp": "creation_timestamp",
    "creation_timestamp_ms": "creation_timestamp",
    "creation_time": "creation_timestamp",
    "last_updated_timestamp": "last_updated_timestamp",
    "last_updated_timestamp_ms": "last_updated_timestamp",
    "last_update_time": "last_updated_timestamp",
}
LOGGED_MODEL_NUMERIC = frozenset({"creation_timestamp", "last_updated_timestamp"})
LOGGED_MODEL_FILTER = Grammar(
    LOGGED_MODEL_ATTRIBUTES, LOGGED_MODEL_NUMERIC, boolean_or=False, null_tests=False
)
"""MLflow's logged-model filters: attributes, tags, params and metrics, joined by ``AND``."""
LOGGED_MODEL_ORDER = Grammar(
    LOGGED_MODEL_ATTRIBUTES, LOGGED_MODEL_NUMERIC, entities=frozenset({"attribute", "metric"})
)
"""What logged-model searches sort by: attributes and a metric's latest value."""


def on_datasets(
    metrics: Sequence[ours.ModelMetric], datasets: Sequence[wire.DatasetFilter]
) -> list[ours.ModelMetric]:
    """The points measured on one of the datasets (a name, and a digest if given); all of
    them when no dataset is named."""
    if not datasets:
        return list(metrics)
    return [
        m
        for m in metrics
        if any(
            m.dataset_name == d.dataset_name
            and (d.dataset_digest is None or m.dataset_digest == d.dataset_digest)
            for d in datasets
        )
    ]


def latest_metric(
    metrics: Sequence[ours.ModelMetric], key: str, order: wire.LoggedModelOrder
) -> float | None:
    """What a ``metrics.<key>`` order sorts a model by, as in MLflow: its latest point of that
    metric (newest time, then highest step), on the order's dataset if it names one; None
    (sorted last) when there is none, or it is NaN."""
    points = [
        m
        for m in metrics
        if m.key == key
        and (not order.dataset_name or m.dataset_name == order.dataset_name)
        and (not order.dataset_digest or m.dataset_digest == order.dataset_digest)
    ]
    if not points:
        return None
    # max() keeps the first of equals: of points at the same time and step, the lowest run id
    by_run = sorted(points, key=lambda m: m.run_id)
    latest = max(by_run, key=lambda m: (m.timestamp, m.step))
    return None if math.isnan(latest.value) else latest.value


def logged_model_record(
    model: ours.LoggedModel,
    metrics: Sequence[ours.ModelMetric] = (),
    sort_keys: Mapping[str, float | None] | None = None,
) -> Record:
    """What filters and orders see of a model; ``sort_keys`` are extra attributes to sort
    by (a metric's latest value)."""
    values: dict[str, list[float]] = {}
    for m in metrics:
        values.setdefault(m.key, []).append(m.value)
    return Record(
        attributes={
            **(sort_keys or {}),
            "name": model.name,
            "model_id": model.model_id,
            "model_type": model.model_type,
            "status": _MODEL_STATUS[model.status],
            "source_run_id": model.source_run_id,
            "experiment_id": model.experiment_id,
            "creation_timestamp": model.creation_time,
            "last_updated_timestamp": model.last_update_time,
        },
        tags=model.tags,
        params=model.params,
        metrics=values,
    )


# -- the artifact proxy's paths -------------------------------------------------------------


@dataclass(frozen=True)
class ArtifactTarget:
    """Where a proxy path points: a run's or a logged model's artifacts, and the path in
    them (checked: no escapes)."""

    kind: Literal["run", "model"]
    experiment_id: str
    owner_id: str
    """The run id or the model id."""
    path: str


def checked_artifact_path(path: str) -> str:
    """A path inside a run's artifacts, normalised; ``InvalidArgument`` if it tries to leave."""
    return safe_relative_path(path)


def artifact_target(path: str) -> ArtifactTarget:
    """``<experiment>/<run>/artifacts[/...]`` or ``<experiment>/models/<model>/artifacts[/...]``.

    ``InvalidArgument`` for paths that try to escape, ``NotFound`` for paths of neither form.
    """
    safe = safe_relative_path(path)
    parts = safe.split("/") if safe else []
    if len(parts) >= 4 and parts[1] == "models" and parts[3] == "artifacts":
        return ArtifactTarget("model", parts[0], parts[2], "/".join(parts[4:]))
    if len(parts) >= 3 and parts[2] == "artifacts":
        return ArtifactTarget("run", parts[0], parts[1], "/".join(parts[3:]))
    raise NotFound("No run or logged model artifacts at that path.")
