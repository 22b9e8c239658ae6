"""The tracking service: the store, artifacts and live events behind one async API.

Store calls are blocking database work; they run on worker threads so the server's event loop
never waits on SQL.  Writes go through a single writer thread (one SQLite writer at a time,
no lock contention, commit order = request order); reads use a small pool.  Every change is
published on the :class:`EventBus` after it commits.
"""

from __future__ import annotations

import asyncio
import functools
import posixpath
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, ParamSpec, TypeVar

from .. import bounded_json
from ..constants import MODEL_PACKAGE_FILE, MODELS_TAG
from ..errors import NotFound
from . import run_notebook
from .artifacts import ArtifactRepository, ArtifactUpload
from .events import EventBus
from .models import (
    ArtifactInfo,
    ArtifactList,
    DatasetSummary,
    Experiment,
    ExperimentCreate,
    ExperimentEvent,
    ExperimentList,
    ExperimentUpdate,
    LifecycleStage,
    LogBatch,
    LogBatchResult,
    LoggedModel,
    LoggedModelCreate,
    LoggedModelUpdate,
    MetricHistories,
    MetricHistoriesQuery,
    MetricHistory,
    ModelMetric,
    ModelOutput,
    Run,
    RunCreate,
    RunEvent,
    RunInputs,
    RunKeys,
    RunKeysQuery,
    RunMetricHistory,
    RunNotebook,
    RunsPage,
    RunUpdate,
    SearchRuns,
    ViewType,
)
from .search import ParsedQuery
from .store import TrackingStore
from .store.base import BatchOutcome

MODEL_PACKAGE_MAX_BYTES = 1024 * 1024

P = ParamSpec("P")
T = TypeVar("T")


class TrackingService:
    def __init__(
        self,
        store: TrackingStore,
        artifacts: ArtifactRepository,
        events: EventBus,
        read_threads: int = 4,
    ) -> None:
        self.store = store
        self.artifacts = artifacts
        self.events = events
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="mlp-store-write")
        self._readers = ThreadPoolExecutor(read_threads, thread_name_prefix="mlp-store-read")
        self._upkeep_queued = False

    async def _read(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, functools.partial(fn, *args, **kwargs))

    async def _write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, functools.partial(fn, *args, **kwargs))

    def _queue_upkeep(self) -> None:
        """Queue the write-side work reads asked for (metric rollups) behind the writes in
        flight, without waiting for it."""
        if self._upkeep_queued or not self.store.needs_upkeep():
            return
        self._upkeep_queued = True

        def upkeep() -> None:
            self._upkeep_queued = False
            self.store.upkeep()

        try:
            self._writer.submit(upkeep)
        except RuntimeError:  # shutting down
            self._upkeep_queued = False

    async def optimize(self) -> None:
        await self._write(self.store.optimize)

    async def close(self) -> None:
        self.events.close()
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self.store.close()

    # -- experiments ---------------------------------------------------------------------

    async def list_experiments(self, view: ViewType) -> ExperimentList:
        return ExperimentList(experiments=await self._read(self.store.list_experiments, view))

    async def get_experiment(self, experiment_id: str) -> Experiment:
        return await self._read(self.store.get_experiment, experiment_id)

    async def get_experiment_by_name(self, name: str) -> Experiment | None:
        return await self._read(self.store.get_experiment_by_name, name)

    async def create_experiment(self, spec: ExperimentCreate, user: str | None) -> Experiment:
        experiment = await self._write(self.store.create_experiment, spec, user)
        self.events.publish(ExperimentEvent(type="experiment_created", experiment=experiment))
        return experiment

    async def update_experiment(self, experiment_id: str, change: ExperimentUpdate) -> Experiment:
        experiment = await self._write(self.store.update_experiment, experiment_id, change)
        self.events.publish(ExperimentEvent(type="experiment_updated", experiment=experiment))
        return experiment

    async def delete_experiment(self, experiment_id: str, permanent: bool) -> Experiment:
        experiment = await self._write(self.store.delete_experiment, experiment_id, permanent)
        if permanent:
            await self._write(self.artifacts.delete_all, experiment.artifact_location)
        self.events.publish(ExperimentEvent(type="experiment_deleted", experiment=experiment))
        return experiment

    async def delete_experiment_tag(self, experiment_id: str, key: str) -> Experiment:
        experiment = await self._write(self.store.delete_experiment_tag, experiment_id, key)
        self.events.publish(ExperimentEvent(type="experiment_updated", experiment=experiment))
        return experiment

    # -- runs ----------------------------------------------------------------------------

    async def create_run(self, spec: RunCreate, user: str | None) -> Run:
        run = await self._write(self.store.create_run, spec, user)
        self.events.publish(RunEvent(type="run_created", run=run))
        return run

    async def get_run(self, run_id: str) -> Run:
        return await self._read(self.store.get_run, run_id)

    async def update_run(self, run_id: str, change: RunUpdate) -> Run:
        run = await self._write(self.store.update_run, run_id, change)
        if run.lifecycle_stage == LifecycleStage.DELETED:
            self.events.publish(RunEvent(type="run_deleted", run=run))
        else:
            self.events.publish(RunEvent(type="run_updated", run=run))
        return run

    async def delete_run(self, run_id: str, permanent: bool) -> Run:
        run = await self._write(self.store.delete_run, run_id, permanent)
        if permanent:
            await self._write(self.artifacts.delete_all, run.artifact_uri)
        self.events.publish(RunEvent(type="run_deleted", run=run))
        return run

    async def log_batch(self, run_id: str, batch: LogBatch) -> LogBatchResult:
        outcome = await self._write(self.store.log_batch, run_id, batch)
        return await self._logged(run_id, batch, outcome)

    async def _logged(self, run_id: str, batch: LogBatch, outcome: BatchOutcome) -> LogBatchResult:
        """Tell the panels what a batch changed."""
        if outcome.applied and (batch.params or batch.tags):
            run = await self._read(self.store.get_run, run_id)
            self.events.publish(RunEvent(type="run_updated", run=run))
        if outcome.metric_count:
            self.events.publish_metrics(
                run_id, outcome.experiment_id, outcome.latest, outcome.metric_count
            )
        return LogBatchResult(applied=outcome.applied)

    async def delete_run_tag(self, run_id: str, key: str) -> Run:
        run = await self._write(self.store.delete_run_tag, run_id, key)
        self.events.publish(RunEvent(type="run_updated", run=run))
        return run

    async def get_metric_history(
        self, run_id: str, key: str, max_points: int | None
    ) -> MetricHistory:
        history = await self._read(self.store.get_metric_history, run_id, key, max_points)
        self._queue_upkeep()
        return history

    async def get_metric_histories(self, query: MetricHistoriesQuery) -> MetricHistories:
        """Histories of several runs and keys; pairs without points are left out."""
        run_ids = list(dict.fromkeys(query.run_ids))
        keys = list(dict.fromkeys(query.keys))
        pairs = await self._read(self.store.find_metric_series, run_ids, keys)

        # One task reads every pair: the reads are CPU-bound Python, and spreading them
        # over the read pool only makes the threads fight for the GIL (measured: 20
        # histories of 10k points took 3x longer in parallel than one after another).
        def read_all() -> list[MetricHistory]:
            return [
                self.store.get_metric_history(run_id, key, query.max_points)
                for run_id, key in pairs
            ]

        histories = await self._read(read_all)
        self._queue_upkeep()
        return MetricHistories.model_construct(
            histories=[
                RunMetricHistory.model_construct(run_id=run_id, **dict(history))
                for (run_id, _key), history in zip(pairs, histories, strict=True)
            ]
        )

    async def search_runs(self, query: SearchRuns, parsed: ParsedQuery | None = None) -> RunsPage:
        """``parsed``: the query's filter and order_by, already parsed (and rewritten)."""
        return await self._read(self.store.search_runs, query, parsed)

    async def list_run_keys(self, query: RunKeysQuery) -> RunKeys:
        return await self._read(self.store.list_run_keys, query)

    # -- logged models -------------------------------------------------------------------

    async def create_logged_model(self, spec: LoggedModelCreate, user: str | None) -> LoggedModel:
        return await self._write(self.store.create_logged_model, spec, user)

    async def get_logged_model(self, model_id: str) -> LoggedModel:
        return await self._read(self.store.get_logged_model, model_id)

    async def list_logged_models(
        self, experiment_ids: Sequence[str], view: ViewType
    ) -> list[LoggedModel]:
        return await self._read(self.store.list_logged_models, experiment_ids, view)

    async def update_logged_model(self, model_id: str, change: LoggedModelUpdate) -> LoggedModel:
        return await self._write(self.store.update_logged_model, model_id, change)

    async def delete_logged_model_tag(self, model_id: str, key: str) -> LoggedModel:
        return await self._write(self.store.delete_logged_model_tag, model_id, key)

    async def log_model_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        await self._write(self.store.log_model_outputs, run_id, outputs)

    async def get_model_outputs(self, run_ids: Sequence[str]) -> dict[str, list[ModelOutput]]:
        return await self._read(self.store.get_model_outputs, run_ids)

    async def log_run_inputs(self, run_id: str, inputs: RunInputs) -> None:
        await self._write(self.store.log_run_inputs, run_id, inputs)

    async def get_run_inputs(self, run_ids: Sequence[str]) -> dict[str, RunInputs]:
        return await self._read(self.store.get_run_inputs, run_ids)

    async def search_dataset_summaries(self, experiment_ids: Sequence[str]) -> list[DatasetSummary]:
        return await self._read(self.store.search_dataset_summaries, experiment_ids)

    async def check_logged_models(self, model_ids: Sequence[str]) -> None:
        await self._read(self.store.check_logged_models, model_ids)

    async def log_model_metrics(self, metrics: Sequence[ModelMetric]) -> None:
        await self._write(self.store.log_model_metrics, metrics)

    async def get_model_metrics(self, model_ids: Sequence[str]) -> dict[str, list[ModelMetric]]:
        return await self._read(self.store.get_model_metrics, model_ids)

    # -- artifacts -----------------------------------------------------------------------

    async def list_artifacts(self, run_id: str, path: str) -> ArtifactList:
        run = await self.get_run(run_id)
        return await self._read(self.artifacts.list, run.artifact_uri, path)

    async def open_artifact(self, run_id: str, path: str) -> tuple[IO[bytes], int, str]:
        """An open artifact file, its size and media type."""
        run = await self.get_run(run_id)
        return await self._read(self.artifacts.open_read, run.artifact_uri, path)

    async def run_notebook(self, run_id: str) -> RunNotebook:
        """The run's captured code path as a notebook (``run_notebook.py``)."""
        run = await self.get_run(run_id)

        def read(path: str) -> str | None:
            try:
                file, _, _ = self.artifacts.open_read(run.artifact_uri, path)
            except NotFound:
                return None
            with file:
                return file.read().decode(errors="replace")

        cell = await self._read(read, run_notebook.CELL)
        if cell is None:
            raise NotFound(
                "This run has no captured code: only runs that automatic tracking made "
                "from a notebook cell can be opened as a notebook."
            )
        code_path = run_notebook.read_code_path(
            await self._read(read, run_notebook.CODE_PATH_CELLS),
            await self._read(read, run_notebook.CODE_PATH),
        )
        requirements = await self._read(read, run_notebook.REQUIREMENTS)
        notebook = run_notebook.build_notebook(run, code_path, cell, requirements)
        folder = posixpath.dirname(run.source.notebook_path or "")
        return RunNotebook(
            notebook=notebook, directory=folder, file_name=run_notebook.file_name(run)
        )

    async def read_chunk(self, file: IO[bytes], size: int) -> bytes:
        return await self._read(file.read, size)

    async def start_upload(self, run_id: str, path: str) -> ArtifactUpload:
        run = await self.get_run(run_id)
        return await self._write(self.artifacts.start_upload, run.artifact_uri, path)

    async def commit_upload(self, upload: ArtifactUpload) -> ArtifactInfo:
        return await self._write(upload.commit)

    async def note_model_package(self, run_id: str, path: str) -> None:
        """After ``path`` was stored in a run: when it is a model package's description
        (``<folder>/mlplatform_model.json``), list the folder and its flavor in the run's
        ``mlplatform.models`` tag (a JSON list), which is how runs with a deployable model
        are found.  A description that is not JSON is listed without a flavor."""
        if posixpath.basename(path) != MODEL_PACKAGE_FILE:
            return
        folder = posixpath.dirname(path.strip("/"))
        file, size, _type = await self.open_artifact(run_id, path)
        try:
            raw = await self.read_chunk(file, min(size, MODEL_PACKAGE_MAX_BYTES))
        finally:
            file.close()
        try:
            flavor = bounded_json.loads(raw).get("flavor")
        except (ValueError, AttributeError):
            flavor = None
        entry = {"artifact_path": folder, "flavor": flavor if isinstance(flavor, str) else None}

        def add_entry(models: list[Any]) -> list[Any]:
            models = [
                m for m in models if not (isinstance(m, dict) and m.get("artifact_path") == folder)
            ]
            models.append(entry)
            return sorted(
                models,
                key=lambda m: str(m.get("artifact_path", "")) if isinstance(m, dict) else "",
            )

        await self.update_list_tag(run_id, MODELS_TAG, add_entry)

    async def update_list_tag(
        self, run_id: str, key: str, change: Callable[[list[Any]], list[Any]]
    ) -> None:
        """Set a run's JSON-list tag to ``change(its list)``, read and written in one
        transaction that holds the run's lock (:meth:`TrackingStore.update_list_tag`):
        changes made at the same time, by this server or another one on the same database,
        each build on the one before (two uploads' entries are both kept).  What ``change``
        raises is raised here."""
        await self._write(self.store.update_list_tag, run_id, key, change)
        run = await self._read(self.store.get_run, run_id)
        self.events.publish(RunEvent(type="run_updated", run=run))

    # Artifacts by location, for the runs' and logged models' folders alike.  ``path`` is
    # checked against escapes before anything touches a filesystem.

    async def list_artifacts_at(self, artifact_uri: str, path: str) -> ArtifactList:
        """The entries of a folder; an empty list for a file or nothing at ``path``."""
        return await self._read(self.artifacts.list, artifact_uri, path, lenient=True)

    async def open_artifact_at(self, artifact_uri: str, path: str) -> tuple[IO[bytes], int, str]:
        return await self._read(self.artifacts.open_read, artifact_uri, path)

    async def start_upload_at(self, artifact_uri: str, path: str) -> ArtifactUpload:
        return await self._write(self.artifacts.start_upload, artifact_uri, path)
