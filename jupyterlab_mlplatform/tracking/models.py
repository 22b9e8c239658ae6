"""Wire models of the tracking REST API (pydantic v2).

These classes are the public contract of ``{base_url}mlplatform/api/``; ``src/api/tracking.ts``
mirrors them as ``I*`` interfaces.  The store speaks the same models, so there is one
definition of what an experiment or a run is.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_serializer,
    field_validator,
)
from typing_extensions import TypedDict

KEY_PATTERN = r"^[^\x00-\x1f]{1,250}$"
"""Keys are 1 to 250 characters with no control characters (MLflow's limit)."""

Key = Annotated[str, Field(pattern=KEY_PATTERN)]
ParamValue = Annotated[str, Field(max_length=6000)]
TagValue = Annotated[str, Field(max_length=8000)]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""Every integer a request carries (steps, timestamps, times): the store's columns are 64-bit,
so a larger value is a 400 naming its field, never an overflow in the database driver."""


def fits_int64(literal: str, value: float) -> bool:
    """Whether a number written in a filter (``literal``, read as ``value``) is a 64-bit
    integer's: checked on the digits when it has no fraction or exponent, since a double
    rounds 2**63 + 1 down to 2**63."""
    digits = literal.lstrip("+-")
    if digits.isascii() and digits.isdigit():
        return INT64_MIN <= int(literal) <= INT64_MAX
    return INT64_MIN <= value <= INT64_MAX


class WireModel(BaseModel):
    """Base of every wire model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


class LifecycleStage(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class ViewType(StrEnum):
    ACTIVE_ONLY = "ACTIVE_ONLY"
    DELETED_ONLY = "DELETED_ONLY"
    ALL = "ALL"


def _coerce_param(value: Any) -> Any:
    """Params are strings on the wire; numbers and booleans are accepted and stringified."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    return value


NonFiniteText = Literal["NaN", "Infinity", "-Infinity"]
"""How NaN and the infinities travel (``MetricValue`` in ``src/api/tracking.ts``)."""


def finite_or_text(value: float) -> float | NonFiniteText:
    """JSON has no NaN or infinity: they travel as the strings MLflow's protobuf JSON uses."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


# -- experiments ---------------------------------------------------------------------------


class Experiment(WireModel):
    experiment_id: str
    name: str
    description: str | None = None
    artifact_location: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    creation_time: int
    last_update_time: int
    created_by: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class ExperimentCreate(WireModel):
    name: Annotated[str, Field(min_length=1, max_length=500)]
    description: str | None = None
    tags: dict[Key, TagValue] = Field(default_factory=dict)


class ExperimentUpdate(WireModel):
    name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    description: str | None = None
    tags: dict[Key, TagValue] | None = None
    """Tags to set (merged into the existing ones)."""
    lifecycle_stage: LifecycleStage | None = None
    """``active`` restores a deleted experiment."""


class ExperimentList(WireModel):
    experiments: list[Experiment]


# -- runs ----------------------------------------------------------------------------------


class RunSource(WireModel):
    notebook_path: str | None = None
    cell_id: str | None = None
    cell_index: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    """The cell's position in the notebook when the run was created (0-based); set by the
    server from the live notebook when it is open for co-editing."""
    kernel_id: str | None = None


class LatestMetric(WireModel):
    value: float
    step: int
    timestamp: int

    @field_serializer("value")
    def _serialize_value(self, value: float) -> float | NonFiniteText:
        return finite_or_text(value)


class Run(WireModel):
    run_id: str
    experiment_id: str
    name: str
    status: RunStatus
    start_time: int
    end_time: int | None = None
    user: str | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    artifact_uri: str
    source: RunSource = Field(default_factory=RunSource)
    params: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, LatestMetric] = Field(default_factory=dict)


class RunCreate(WireModel):
    experiment_id: str | None = None
    experiment_name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    name: Annotated[str, Field(max_length=250)] | None = None
    params: dict[Key, ParamValue] = Field(default_factory=dict)
    tags: dict[Key, TagValue] = Field(default_factory=dict)
    source: RunSource | None = None
    start_time: Int64 | None = None

    _coerce_params = field_validator("params", mode="before")(
        lambda value: (
            {k: _coerce_param(v) for k, v in value.items()} if isinstance(value, dict) else value
        )
    )


class RunUpdate(WireModel):
    status: RunStatus | None = None
    end_time: Int64 | None = None
    name: Annotated[str, Field(min_length=1, max_length=250)] | None = None
    lifecycle_stage: LifecycleStage | None = None
    """``active`` restores a deleted run."""


class MetricPoint(TypedDict):
    """One metric point.  A typed dict rather than a model: batches hold up to a million
    points, and validating dicts is several times cheaper than building model objects.
    ``value`` also takes the strings "NaN", "Infinity" and "-Infinity"."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    key: Key
    value: Annotated[
        float,
        WithJsonSchema({"anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}]}),
    ]
    step: NotRequired[Int64]
    """Defaults to 0."""
    timestamp: NotRequired[Int64]
    """Milliseconds since the epoch; the server's clock when omitted."""


class LogBatch(WireModel):
    metrics: list[MetricPoint] = Field(default_factory=list)
    params: dict[Key, ParamValue] = Field(default_factory=dict)
    tags: dict[Key, TagValue] = Field(default_factory=dict)
    batch_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """A client-chosen id: a batch sent twice with the same id is applied once."""

    _coerce_params = field_validator("params", mode="before")(
        lambda value: (
            {k: _coerce_param(v) for k, v in value.items()} if isinstance(value, dict) else value
        )
    )


class LogBatchResult(WireModel):
    applied: bool
    """False when the batch id had been applied before (a retry)."""


class MetricHistory(WireModel):
    """One metric's history, column by column (the shape charting libraries take)."""

    key: str
    steps: list[int]
    timestamps: list[int]
    values: list[float]
    total: int
    """Points stored; more than ``len(steps)`` when downsampled."""
    downsampled: bool

    @field_serializer("values")
    def _serialize_values(self, values: list[float]) -> list[float | NonFiniteText]:
        if all(math.isfinite(v) for v in values):
            return values  # type: ignore[return-value]
        return [finite_or_text(v) for v in values]


class SearchRuns(WireModel):
    experiment_ids: list[str] = Field(default_factory=list)
    """Experiments to search; all active experiments when empty."""
    filter: Annotated[str, Field(max_length=10_000)] = ""
    order_by: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)
    max_results: Annotated[int, Field(ge=1, le=50_000)] = 1000
    page_token: str | None = None
    run_view_type: ViewType = ViewType.ACTIVE_ONLY


class RunsPage(WireModel):
    runs: list[Run]
    next_page_token: str | None = None


class RunKeysQuery(WireModel):
    experiment_ids: list[str] = Field(default_factory=list)
    """Experiments whose runs to look at; all active experiments when empty."""
    run_view_type: ViewType = ViewType.ACTIVE_ONLY


class RunKeys(WireModel):
    """The distinct keys the runs use, each list sorted (for column choosers and completion)."""

    params: list[str]
    metrics: list[str]
    tags: list[str]


class MetricHistoriesQuery(WireModel):
    run_ids: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]],
        Field(min_length=1, max_length=100),
    ]
    keys: Annotated[list[Key], Field(min_length=1, max_length=50)]
    max_points: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    """At most this many shape-preserving points per history; every point when omitted."""


class RunMetricHistory(MetricHistory):
    """One run's history of one metric."""

    run_id: str


class MetricHistories(WireModel):
    histories: list[RunMetricHistory]
    """One per run and key that has points, in the order of ``run_ids`` then ``keys``."""


class ArtifactInfo(WireModel):
    path: str
    is_dir: bool
    size: int | None = None


class ArtifactList(WireModel):
    root_uri: str
    path: str
    files: list[ArtifactInfo]


# -- logged models ------------------------------------------------------------------------


class LoggedModelStatus(StrEnum):
    PENDING = "PENDING"
    """Created; its files are being uploaded."""
    READY = "READY"
    FAILED = "FAILED"


class LoggedModel(WireModel):
    """A model with an id of its own (MLflow 3's ``LoggedModel``), produced by a run or not.

    Its files live at ``artifact_location``, beside the runs of its experiment."""

    model_id: str
    experiment_id: str
    name: str
    source_run_id: str | None = None
    model_type: str | None = None
    status: LoggedModelStatus = LoggedModelStatus.PENDING
    status_message: str | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    creation_time: int
    last_update_time: int
    artifact_location: str
    created_by: str | None = None
    params: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class LoggedModelCreate(WireModel):
    experiment_id: str
    name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    """A readable random name when omitted."""
    source_run_id: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    model_type: Annotated[str, Field(max_length=500)] | None = None
    params: dict[Key, ParamValue] = Field(default_factory=dict)
    tags: dict[Key, TagValue] = Field(default_factory=dict)


class LoggedModelUpdate(WireModel):
    status: LoggedModelStatus | None = None
    status_message: str | None = None
    params: dict[Key, ParamValue] | None = None
    """Params to add; like a run's, a param cannot change its value."""
    tags: dict[Key, TagValue] | None = None
    """Tags to set (merged into the existing ones)."""
    lifecycle_stage: LifecycleStage | None = None


class ModelOutput(WireModel):
    """A logged model that a run declares as its output, at a training step."""

    model_id: Annotated[str, Field(min_length=1, max_length=64)]
    step: Int64 = 0


class DatasetInput(WireModel):
    """A dataset a run used (MLflow's ``DatasetInput``): the dataset, and the input's tags."""

    name: Annotated[str, Field(min_length=1, max_length=500)]
    digest: Annotated[str, Field(min_length=1, max_length=36)]
    source_type: Annotated[str, Field(min_length=1, max_length=36)]
    source: Annotated[str, Field(max_length=65_535)]
    dataset_schema: Annotated[str, Field(max_length=1_048_576)] | None = None
    profile: Annotated[str, Field(max_length=16_384)] | None = None
    tags: dict[Annotated[str, Field(max_length=255)], Annotated[str, Field(max_length=500)]] = (
        Field(default_factory=dict)
    )


class RunInputs(WireModel):
    """What a run used: datasets, and logged models by id."""

    datasets: list[DatasetInput] = Field(default_factory=list)
    model_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list
    )


class DatasetSummary(WireModel):
    """A dataset some run of an experiment used, in a context (``training``...) or none."""

    experiment_id: str
    name: str
    digest: str
    context: str | None = None


class ModelMetric(WireModel):
    """A metric point logged for a logged model (by a run, maybe on a dataset)."""

    model_id: Annotated[str, Field(min_length=1, max_length=64)]
    run_id: str
    key: str
    value: float
    timestamp: int
    step: int
    dataset_name: Annotated[str, Field(max_length=500)] | None = None
    dataset_digest: Annotated[str, Field(max_length=36)] | None = None


# -- events --------------------------------------------------------------------------------


class RunEvent(WireModel):
    type: Literal["run_created", "run_updated", "run_deleted"]
    run: Run


class ExperimentEvent(WireModel):
    type: Literal["experiment_created", "experiment_updated", "experiment_deleted"]
    experiment: Experiment


class MetricsEvent(WireModel):
    """Metric points appended to one run since the last event (coalesced)."""

    type: Literal["metrics_appended"] = "metrics_appended"
    run_id: str
    experiment_id: str
    latest: dict[str, LatestMetric]
    count: int


class RunNotebook(WireModel):
    """``GET runs/{run_id}/notebook``: the run's captured code as a new notebook."""

    notebook: dict[str, Any]
    """An nbformat v4 notebook: header, package check, code path, the training cell last."""
    directory: str
    """Where to create it: the source notebook's folder ("" for the root when unknown)."""
    file_name: str
    """A suggested name; the client makes it unique in ``directory``."""
