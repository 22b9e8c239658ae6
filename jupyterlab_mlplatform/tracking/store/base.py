"""The tracking store API.

A store persists experiments, runs, params, tags and metric histories.  Implementations are
synchronous and thread-safe; the service layer runs them on worker threads.  Every method
raises :mod:`jupyterlab_mlplatform.errors` exceptions (``NotFound``, ``InvalidArgument``,
``Conflict``) and nothing else for bad input.

Select the implementation with ``c.MLPlatformApp.tracking_store_class``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from traitlets.config import LoggingConfigurable

from ..models import (
    DatasetSummary,
    Experiment,
    ExperimentCreate,
    ExperimentUpdate,
    LatestMetric,
    LogBatch,
    LoggedModel,
    LoggedModelCreate,
    LoggedModelUpdate,
    MetricHistory,
    ModelMetric,
    ModelOutput,
    Run,
    RunCreate,
    RunInputs,
    RunKeys,
    RunKeysQuery,
    RunsPage,
    RunUpdate,
    SearchRuns,
    ViewType,
)
from ..search import ParsedQuery


@dataclass(frozen=True)
class BatchOutcome:
    """What :meth:`TrackingStore.log_batch` wrote."""

    applied: bool
    """False when the batch id had already been applied (nothing was written)."""
    experiment_id: str
    latest: dict[str, LatestMetric]
    """The run's latest value of each metric key the batch touched."""
    metric_count: int


class TrackingStore(LoggingConfigurable):
    """Abstract tracking store.

    ``uri`` selects the database (for the SQL store an SQLAlchemy URL); ``artifact_root`` is the
    folder or fsspec URL under which each experiment and run gets its artifact location.
    Subclasses implement every method below that raises ``NotImplementedError``.
    """

    def __init__(self, uri: str, artifact_root: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.uri = uri
        self.artifact_root = artifact_root.rstrip("/")

    # -- experiments ---------------------------------------------------------------------

    def create_experiment(self, spec: ExperimentCreate, user: str | None) -> Experiment:
        """Create an experiment; ``Conflict`` if the name is taken (by a deleted one too)."""
        raise NotImplementedError

    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment, deleted or not; ``NotFound`` if there is none."""
        raise NotImplementedError

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment with that exact name, or None."""
        raise NotImplementedError

    def list_experiments(self, view: ViewType = ViewType.ACTIVE_ONLY) -> list[Experiment]:
        """Experiments in creation order."""
        raise NotImplementedError

    def update_experiment(self, experiment_id: str, change: ExperimentUpdate) -> Experiment:
        """Rename, describe, tag, or restore (``lifecycle_stage='active'``) an experiment."""
        raise NotImplementedError

    def delete_experiment(self, experiment_id: str, permanent: bool = False) -> Experiment:
        """Mark the experiment and its runs deleted, or remove them for good."""
        raise NotImplementedError

    # -- runs ----------------------------------------------------------------------------

    def create_run(self, spec: RunCreate, user: str | None) -> Run:
        """Create a RUNNING run.  ``experiment_name`` creates the experiment when missing."""
        raise NotImplementedError

    def get_run(self, run_id: str) -> Run:
        """The run with its params, tags and latest metrics; ``NotFound`` if there is none."""
        raise NotImplementedError

    def update_run(self, run_id: str, change: RunUpdate) -> Run:
        """Set status, end time or name, or restore a deleted run."""
        raise NotImplementedError

    def delete_run(self, run_id: str, permanent: bool = False) -> Run:
        """Mark the run deleted (restorable), or remove it and its data for good."""
        raise NotImplementedError

    def log_batch(self, run_id: str, batch: LogBatch) -> BatchOutcome:
        """Append metrics and set params and tags, all or nothing.

        Params are immutable: setting a param again to the same value is allowed, to another
        value is a ``Conflict``.  A batch whose ``batch_id`` was applied before is skipped.
        """
        raise NotImplementedError

    def update_list_tag(
        self, run_id: str, key: str, change: Callable[[list[Any]], list[Any]]
    ) -> BatchOutcome:
        """Set the run's JSON-list tag ``key`` to ``change(its list)`` (``[]`` when missing or
        not a list), read and written in one transaction that holds the run's lock in the
        database: two servers on one database appending at once keep both entries.  What
        ``change`` raises is raised here."""
        raise NotImplementedError

    def delete_run_tag(self, run_id: str, key: str) -> Run:
        """Remove one tag of an active run; ``NotFound`` if it has no tag with that key."""
        raise NotImplementedError

    def delete_experiment_tag(self, experiment_id: str, key: str) -> Experiment:
        """Remove one tag of an experiment; ``NotFound`` if it has no tag with that key."""
        raise NotImplementedError

    def get_metric_history(
        self, run_id: str, key: str, max_points: int | None = None
    ) -> MetricHistory:
        """All points of one metric in step order, or a shape-preserving downsample."""
        raise NotImplementedError

    def search_runs(self, query: SearchRuns, parsed: ParsedQuery | None = None) -> RunsPage:
        """Runs matching the filter, sorted and paginated (see ``tracking.search``).

        ``parsed`` is the query's filter and order_by already parsed (and perhaps rewritten):
        then the store uses it instead of parsing ``query.filter`` and ``query.order_by``,
        which still identify the search for its page tokens."""
        raise NotImplementedError

    def list_run_keys(self, query: RunKeysQuery) -> RunKeys:
        """The distinct param, metric and tag keys of the runs of some experiments, sorted."""
        raise NotImplementedError

    def find_metric_series(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> list[tuple[str, str]]:
        """The ``(run_id, key)`` pairs of ``run_ids`` x ``keys`` that have points, in that
        order; ``NotFound`` if one of the runs does not exist (deleted runs do)."""
        raise NotImplementedError

    # -- logged models -------------------------------------------------------------------

    def create_logged_model(self, spec: LoggedModelCreate, user: str | None) -> LoggedModel:
        """Create a PENDING model in an active experiment, with its artifact location.

        ``NotFound`` for a missing experiment or source run, ``Conflict`` for a deleted
        experiment."""
        raise NotImplementedError

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """The model, deleted or not; ``NotFound`` if there is none."""
        raise NotImplementedError

    def list_logged_models(
        self, experiment_ids: Sequence[str], view: ViewType = ViewType.ACTIVE_ONLY
    ) -> list[LoggedModel]:
        """The models of some experiments, oldest first."""
        raise NotImplementedError

    def update_logged_model(self, model_id: str, change: LoggedModelUpdate) -> LoggedModel:
        """Set status, add params (``Conflict`` if one changes), set tags, delete/restore."""
        raise NotImplementedError

    def delete_logged_model_tag(self, model_id: str, key: str) -> LoggedModel:
        """Remove one tag; ``NotFound`` if the model has no tag with that key."""
        raise NotImplementedError

    def log_model_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        """Record models as outputs of an active run (again: the step is replaced)."""
        raise NotImplementedError

    def get_model_outputs(self, run_ids: Sequence[str]) -> dict[str, list[ModelOutput]]:
        """The model outputs of each run, by step."""
        raise NotImplementedError

    # -- run inputs and logged models' metrics (MLflow 3) --------------------------------

    def log_run_inputs(self, run_id: str, inputs: RunInputs) -> None:
        """Record datasets (again: the input's tags are replaced) and models an active run
        used."""
        raise NotImplementedError

    def get_run_inputs(self, run_ids: Sequence[str]) -> dict[str, RunInputs]:
        """The inputs of each run: datasets by name and digest, models by id."""
        raise NotImplementedError

    def log_model_metrics(self, metrics: Sequence[ModelMetric]) -> None:
        """Record points for logged models; ``NotFound`` (nothing written) unless every model
        exists.  A point logged again (same model, key, step, timestamp, run) is replaced."""
        raise NotImplementedError

    def search_dataset_summaries(
        self, experiment_ids: Sequence[str], limit: int = 1000
    ) -> list[DatasetSummary]:
        """The datasets the experiments' runs used, each once per context (MLflow's
        ``experiments/search-datasets``); unknown experiment ids find nothing."""
        raise NotImplementedError

    def check_logged_models(self, model_ids: Sequence[str]) -> None:
        """``NotFound`` unless every one of these logged models exists."""
        raise NotImplementedError

    def get_model_metrics(self, model_ids: Sequence[str]) -> dict[str, list[ModelMetric]]:
        """The metric points of each logged model, by key, step and time."""
        raise NotImplementedError

    def needs_upkeep(self) -> bool:
        """Whether reads asked for work that writes, such as building metric rollups."""
        return False

    def upkeep(self) -> None:
        """Do the work reads asked for (the service calls it on its writer thread)."""

    def optimize(self) -> None:
        """Refresh the query planner's statistics (called at start and then periodically)."""

    def close(self) -> None:
        """Release connections."""
