"""Wire models of MLflow's tracking REST API: its protobuf messages in their JSON form.

Field names are MLflow's own (snake_case, as its client sends them).  Requests ignore fields
they do not know, as MLflow's server does, so newer clients keep working; 64-bit integers are
accepted as numbers or strings and enums by name or number (protobuf JSON allows both).
String fields take strings only: a number, a boolean or an object where MLflow expects a
string is ``INVALID_PARAMETER_VALUE``, as MLflow's ``_assert_string`` makes it.
Responses leave out empty optional fields, as protobuf JSON does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_serializer

from ..tracking.models import Int64, finite_or_text

# -- enums: by name, or by their protobuf number ------------------------------------------


def _enum_names(*names: str) -> BeforeValidator:
    """Accept an enum's protobuf number too (``RUNNING`` is 1, ...)."""

    def by_number(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= len(names):
            return names[value - 1]
        return value

    return BeforeValidator(by_number)


RunStatusName = Annotated[
    Literal["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"],
    _enum_names("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"),
]
ViewTypeName = Annotated[
    Literal["ACTIVE_ONLY", "DELETED_ONLY", "ALL"],
    _enum_names("ACTIVE_ONLY", "DELETED_ONLY", "ALL"),
]
LoggedModelStatusName = Annotated[
    Literal["LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"],
    _enum_names("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"),
]

Id = Annotated[str, Field(min_length=1, max_length=256)]


# -- shared parts ---------------------------------------------------------------------------


class Request(BaseModel):
    """Base of request bodies and query strings: unknown fields are ignored, as in MLflow.
    Strings must be strings (an id sent as a number is refused, as MLflow refuses it)."""

    model_config = ConfigDict(extra="ignore")


class Response(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(extra="forbid")


class KeyValue(Response):
    """A tag or a param (``ExperimentTag``, ``RunTag``, ``Param``, ``LoggedModelTag``...)."""

    key: str
    value: str


class KeyValueIn(Request):
    key: Annotated[str, Field(min_length=1)]
    value: str = ""


class Metric(Response):
    key: str
    value: float
    timestamp: int
    step: int
    run_id: str | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None

    @field_serializer("value")
    def _value(self, value: float) -> float | str:
        return finite_or_text(value)


class MetricIn(Request):
    key: Annotated[str, Field(min_length=1)]
    value: float
    timestamp: Int64
    """Required, as in MLflow."""
    step: Int64 = 0
    model_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """A logged model the point is also recorded for (MLflow 3)."""
    dataset_name: Annotated[str, Field(max_length=500)] | None = None
    dataset_digest: Annotated[str, Field(max_length=36)] | None = None


class RunRef(Request):
    """Requests that name a run: ``run_id``, or the older ``run_uuid``."""

    run_id: Id | None = None
    run_uuid: Id | None = None

    @property
    def the_run_id(self) -> str | None:
        return self.run_id or self.run_uuid


class Empty(Response):
    """The ``{}`` most write calls answer with."""


# -- experiments ----------------------------------------------------------------------------


class Experiment(Response):
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    last_update_time: int
    creation_time: int
    tags: list[KeyValue] = Field(default_factory=list)


class CreateExperiment(Request):
    name: Annotated[str, Field(min_length=1, max_length=500)]
    artifact_location: str | None = None
    tags: list[KeyValueIn] = Field(default_factory=list)


class CreateExperimentResponse(Response):
    experiment_id: str


class ExperimentRef(Request):
    experiment_id: Id


class GetExperimentByName(Request):
    experiment_name: Annotated[str, Field(min_length=1, max_length=500)]


class ExperimentResponse(Response):
    experiment: Experiment


class UpdateExperiment(ExperimentRef):
    new_name: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class SetExperimentTag(ExperimentRef):
    key: Annotated[str, Field(min_length=1)]
    value: str = ""


class DeleteExperimentTag(ExperimentRef):
    key: Annotated[str, Field(min_length=1)]


class SearchExperiments(Request):
    max_results: Annotated[int, Field(ge=1, le=50_000)] = 1000
    page_token: str | None = None
    filter: Annotated[str, Field(max_length=10_000)] | None = None
    order_by: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)
    view_type: ViewTypeName = "ACTIVE_ONLY"


class SearchDatasets(Request):
    experiment_ids: Annotated[list[Id], Field(min_length=1, max_length=20)]


class DatasetSummary(Response):
    experiment_id: str
    name: str
    digest: str
    context: str | None = None


class SearchDatasetsResponse(Response):
    dataset_summaries: list[DatasetSummary]


class SearchExperimentsResponse(Response):
    experiments: list[Experiment]
    next_page_token: str | None = None


# -- runs -----------------------------------------------------------------------------------


class RunInfo(Response):
    run_id: str
    run_uuid: str
    run_name: str
    experiment_id: str
    user_id: str | None = None
    status: str
    start_time: int
    end_time: int | None = None
    artifact_uri: str
    lifecycle_stage: str


class RunData(Response):
    metrics: list[Metric] = Field(default_factory=list)
    params: list[KeyValue] = Field(default_factory=list)
    tags: list[KeyValue] = Field(default_factory=list)


class ModelOutput(Response):
    model_id: str
    step: int


class RunInputs(Response):
    dataset_inputs: list[dict[str, Any]] = Field(default_factory=list)
    model_inputs: list[dict[str, Any]] = Field(default_factory=list)


class RunOutputs(Response):
    model_outputs: list[ModelOutput] = Field(default_factory=list)


class Run(Response):
    info: RunInfo
    data: RunData
    inputs: RunInputs = Field(default_factory=RunInputs)
    outputs: RunOutputs = Field(default_factory=RunOutputs)


class RunResponse(Response):
    run: Run


class CreateRun(Request):
    experiment_id: Id | None = None
    user_id: str | None = None
    """Ignored: runs belong to the person the server authenticated."""
    run_name: Annotated[str, Field(max_length=250)] | None = None
    start_time: Int64 | None = None
    tags: list[KeyValueIn] = Field(default_factory=list)


class UpdateRun(RunRef):
    status: RunStatusName | None = None
    end_time: Int64 | None = None
    run_name: Annotated[str, Field(max_length=250)] | None = None


class UpdateRunResponse(Response):
    run_info: RunInfo


class SearchRuns(Request):
    experiment_ids: Annotated[list[str], Field(max_length=1000)] = Field(default_factory=list)
    filter: Annotated[str, Field(max_length=10_000)] | None = None
    run_view_type: ViewTypeName = "ACTIVE_ONLY"
    max_results: Annotated[int, Field(ge=1, le=50_000)] = 1000
    order_by: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)
    page_token: str | None = None


class SearchRunsResponse(Response):
    runs: list[Run]
    next_page_token: str | None = None


class LogMetric(RunRef, MetricIn):
    """One point of a batch's metrics, with the run it goes to (``runs/log-metric``)."""


class LogParam(RunRef):
    key: Annotated[str, Field(min_length=1)]
    value: str = ""


class SetTag(RunRef):
    key: Annotated[str, Field(min_length=1)]
    value: str = ""


class DeleteTag(RunRef):
    key: Annotated[str, Field(min_length=1)]


class LogBatch(RunRef):
    metrics: list[MetricIn] = Field(default_factory=list)
    params: list[KeyValueIn] = Field(default_factory=list)
    tags: list[KeyValueIn] = Field(default_factory=list)


class DatasetIn(Request):
    name: str
    digest: str
    source_type: str
    source: str
    dataset_schema: str | None = Field(default=None, alias="schema")
    profile: str | None = None


class DatasetInputIn(Request):
    tags: Annotated[list[KeyValueIn], Field(max_length=100)] = Field(default_factory=list)
    dataset: DatasetIn


class ModelInputIn(Request):
    model_id: Annotated[str, Field(min_length=1, max_length=64)]


class LogInputs(RunRef):
    """Datasets and logged models a run used."""

    datasets: Annotated[list[DatasetInputIn], Field(max_length=1000)] = Field(default_factory=list)
    models: Annotated[list[ModelInputIn], Field(max_length=1000)] = Field(default_factory=list)


class ModelOutputIn(Request):
    model_id: Annotated[str, Field(min_length=1, max_length=64)]
    step: Int64 = 0


class LogOutputs(RunRef):
    models: Annotated[list[ModelOutputIn], Field(max_length=1000)] = Field(default_factory=list)


class LogModel(RunRef):
    """MLflow 2's record of a model logged into a run's artifacts."""

    model_json: Annotated[str, Field(max_length=1_000_000)]


class GetMetricHistory(RunRef):
    metric_key: Annotated[str, Field(min_length=1)]
    page_token: str | None = None
    max_results: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class GetMetricHistoryResponse(Response):
    metrics: list[Metric]
    next_page_token: str | None = None


class GetMetricHistoryBulk(Request):
    run_id: Annotated[list[Id], Field(max_length=1000)] = Field(default_factory=list)
    metric_key: Annotated[str, Field(min_length=1)]
    max_results: Annotated[int, Field(ge=1)] | None = None


class GetMetricHistoryBulkResponse(Response):
    metrics: list[Metric]


# -- logged models --------------------------------------------------------------------------


class LoggedModelInfo(Response):
    model_id: str
    experiment_id: str
    name: str
    creation_timestamp_ms: int
    last_updated_timestamp_ms: int
    artifact_uri: str
    status: str
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class LoggedModelData(Response):
    params: list[KeyValue] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)


class LoggedModel(Response):
    info: LoggedModelInfo
    data: LoggedModelData


class LoggedModelResponse(Response):
    model: LoggedModel


class CreateLoggedModel(Request):
    experiment_id: Id
    name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    model_type: Annotated[str, Field(max_length=500)] | None = None
    source_run_id: Id | None = None
    params: Annotated[list[KeyValueIn], Field(max_length=100)] = Field(default_factory=list)
    tags: Annotated[list[KeyValueIn], Field(max_length=100)] = Field(default_factory=list)


class FinalizeLoggedModel(Request):
    status: LoggedModelStatusName


class SetLoggedModelTags(Request):
    tags: Annotated[list[KeyValueIn], Field(max_length=100)] = Field(default_factory=list)


class LogLoggedModelParams(Request):
    params: Annotated[list[KeyValueIn], Field(max_length=100)] = Field(default_factory=list)


class LoggedModelOrder(Request):
    field_name: Annotated[str, Field(min_length=1, max_length=300)]
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None


class DatasetFilter(Request):
    dataset_name: Annotated[str, Field(min_length=1)]
    dataset_digest: str | None = None


class SearchLoggedModels(Request):
    experiment_ids: Annotated[list[str], Field(max_length=1000)] = Field(default_factory=list)
    filter: Annotated[str, Field(max_length=10_000)] | None = None
    datasets: Annotated[list[DatasetFilter], Field(max_length=100)] = Field(default_factory=list)
    """Metric conditions (or, without any, the models themselves) count only metrics
    measured on one of these datasets."""
    max_results: Annotated[int, Field(ge=1, le=50_000)] = 100
    order_by: Annotated[list[LoggedModelOrder], Field(max_length=20)] = Field(default_factory=list)
    page_token: str | None = None


class SearchLoggedModelsResponse(Response):
    models: list[LoggedModel]
    next_page_token: str | None = None


# -- artifacts ------------------------------------------------------------------------------


class FileInfo(Response):
    path: str
    """The entry's name in the listed folder (MLflow's proxy answers with base names)."""
    is_dir: bool
    file_size: int | None = None


class ListArtifactsResponse(Response):
    files: list[FileInfo]


class RunArtifactRef(RunRef):
    path: Annotated[str, Field(max_length=4096)] | None = None


class ListRunArtifactsResponse(Response):
    root_uri: str
    files: list[FileInfo]


# -- the server ------------------------------------------------------------------------------


class ServerInfo(Response):
    """What MLflow 3 clients ask a server before some features (``api/3.0/mlflow/server-info``).

    Nothing optional is offered: no workspaces, no multipart or presigned transfers (the
    client then uploads and downloads through the proxy), no AI gateway."""

    workspaces_enabled: bool = False
    trace_archival_enabled: bool = False
    multipart_uploads_enabled: bool = False
    multipart_downloads_enabled: bool = False
    presigned_upload_run_id_supported: bool = False
    presigned_upload_model_id_supported: bool = False
    features_enabled: dict[str, bool] = Field(default_factory=lambda: {"gateway": False})
