"""The SQL tracking store: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by config.

The schema lives in :mod:`.schema` and is created and upgraded by Alembic (:mod:`.migrate`)
when the store opens.  SQLite runs in WAL mode so that readers never wait for the writer.

:class:`SqlTrackingStore` owns the engine and the run search; each other part is a module of
its own that it hands its calls to: experiments (:mod:`.sql_experiments`), metric logging
(:mod:`.sql_logging`), logged models (:mod:`.sql_logged_models`), run inputs
(:mod:`.sql_inputs`) and the keys runs have (:mod:`.sql_run_keys`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from traitlets import Float, Int

from ...constants import DEFAULT_EXPERIMENT_NAME
from ...errors import Conflict, InvalidArgument, NotFound, StoreUnavailable
from ...private_files import make_private_file
from ..models import (
    DatasetSummary,
    Experiment,
    ExperimentCreate,
    ExperimentUpdate,
    LifecycleStage,
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
    RunSource,
    RunsPage,
    RunStatus,
    RunUpdate,
    SearchRuns,
    ViewType,
)
from ..run_names import random_run_name
from ..search import (
    ParsedQuery,
    decode_page_token,
    encode_page_token,
    parse_query,
)
from ..search.topk import search_run_rows
from . import schema
from .base import BatchOutcome, TrackingStore
from .migrate import upgrade_to_head
from .sql_experiments import SqlExperiments
from .sql_inputs import SqlRunInputs
from .sql_locks import lock_run, ping_idle_connections, share_experiment, update_list_tag
from .sql_logged_models import SqlLoggedModels
from .sql_logging import SqlMetricLog
from .sql_rows import ACTIVE, DELETED, experiment_number, now_ms, runs_from_rows
from .sql_run_keys import SqlRunKeys


class SqlTrackingStore(TrackingStore):
    """Tracking store on SQLAlchemy 2 (Core, not ORM: rows become wire models right here)."""

    sqlite_busy_timeout_ms = Int(
        30_000,
        config=True,
        help="How long an SQLite writer waits for another process's lock, in milliseconds.",
    )
    pool_size = Int(
        5, config=True, help="Connections kept open to a client-server database (PostgreSQL)."
    )
    pool_ping_after_idle = Float(
        1.0,
        config=True,
        help="A pooled connection to a client-server database (PostgreSQL) that was idle "
        "for longer than this, in seconds, is checked before use (a restarted server drops "
        "them); 0 checks every one.  A busy server's connections are not: a check is a "
        "round trip per transaction.",
    )

    def __init__(self, uri: str, artifact_root: str, **kwargs: object) -> None:
        super().__init__(uri, artifact_root, **kwargs)
        self.engine = self._create_engine(uri)
        self._placeholder = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        self._upserts: dict[str, Any] = {}
        self._experiments = SqlExperiments(
            self.engine, self._upsert, self.artifact_root, self._delete_run_data
        )
        self._run_keys = SqlRunKeys(self.engine, self._experiment_id, self._active_experiment_ids)
        self._metric_log = SqlMetricLog(
            self.engine, self._dialect_insert, self._upsert, self._placeholder, self.log
        )
        self._logged_models = SqlLoggedModels(
            self.engine, self._upsert, self._experiment_id, self._dialect_insert
        )
        self._inputs = SqlRunInputs(self.engine, self._upsert, self._dialect_insert)
        try:
            upgrade_to_head(self.engine)
            self._experiments.locate_default()
            self.optimize()
        except OperationalError as e:
            raise StoreUnavailable(f"Cannot open the tracking database: {e.orig}") from e

    # -- engine --------------------------------------------------------------------------

    def _create_engine(self, uri: str) -> Engine:
        url = make_url(uri)
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                # SQLite gives its -wal and -shm files the database file's mode.
                make_private_file(Path(url.database).expanduser())
            engine = create_engine(url, connect_args={"check_same_thread": False})
            busy = int(self.sqlite_busy_timeout_ms)

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
                cursor = dbapi_conn.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute(f"PRAGMA busy_timeout={busy}")
                cursor.close()

            return engine
        if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
            try:
                import psycopg  # noqa: F401
            except ImportError:
                pass
            else:
                url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, pool_size=int(self.pool_size))
        ping_idle_connections(engine, float(self.pool_ping_after_idle))
        return engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def optimize(self) -> None:
        """SQLite plans its joins from ``ANALYZE`` statistics; without them a run search
        walks every run of the experiment.  PostgreSQL's autovacuum keeps its own."""
        if self.dialect != "sqlite":
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")  # sampled: milliseconds
            conn.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        self.engine.dispose()

    def _dialect_insert(self, table: Table) -> Any:
        """The dialect's INSERT, which has ON CONFLICT (imported here: each dialect module
        takes a tenth of a second to import, and a server needs only its own)."""
        if self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table)
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            return postgresql_insert(table)
        raise StoreUnavailable(f"The {self.dialect} database is not supported.")

    def _upsert_statement(self, table: Table) -> Any:
        """INSERT ... ON CONFLICT (primary key) DO UPDATE, built once per table."""
        statement = self._upserts.get(table.name)
        if statement is None:
            insert_ = self._dialect_insert(table)
            keys = [c.name for c in table.primary_key.columns]
            others = {c.name: insert_.excluded[c.name] for c in table.columns if c.name not in keys}
            statement = insert_.on_conflict_do_update(index_elements=keys, set_=others)
            self._upserts[table.name] = statement
        return statement

    def _upsert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows, replacing the non-key columns of rows whose primary key exists."""
        if rows:
            conn.execute(self._upsert_statement(table), rows)

    # -- experiments (sql_experiments.py) -----------------------------------------------

    _experiment_id = staticmethod(experiment_number)

    def _insert_experiment(self, conn: Connection, spec: ExperimentCreate, user: str | None) -> int:
        return self._experiments.insert(conn, spec, user)

    def create_experiment(self, spec: ExperimentCreate, user: str | None) -> Experiment:
        return self._experiments.create(spec, user)

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self._experiments.get(experiment_id)

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self._experiments.by_name(name)

    def list_experiments(self, view: ViewType = ViewType.ACTIVE_ONLY) -> list[Experiment]:
        return self._experiments.in_view(view)

    def update_experiment(self, experiment_id: str, change: ExperimentUpdate) -> Experiment:
        return self._experiments.update(experiment_id, change)

    def delete_experiment(self, experiment_id: str, permanent: bool = False) -> Experiment:
        return self._experiments.delete(experiment_id, permanent)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> Experiment:
        return self._experiments.delete_tag(experiment_id, key)

    # -- runs ----------------------------------------------------------------------------

    def _get_run(self, conn: Connection, run_id: str) -> Run:
        row = conn.execute(select(schema.runs).where(schema.runs.c.run_id == run_id)).first()
        if row is None:
            raise NotFound("No run with that id.")
        return runs_from_rows(conn, [row], self._placeholder)[0]

    def _experiment_for_new_run(self, conn: Connection, spec: RunCreate, user: str | None) -> int:
        if spec.experiment_id is not None:
            eid = self._experiment_id(spec.experiment_id)
            row = share_experiment(conn, schema.experiments.c.experiment_id == eid)
            if row is None:
                raise NotFound("No experiment with that id.")
            if row.lifecycle_stage != ACTIVE:
                raise Conflict("The experiment is deleted; restore it to add runs.")
            return eid
        name = spec.experiment_name or DEFAULT_EXPERIMENT_NAME
        for _attempt in range(3):
            row = share_experiment(conn, schema.experiments.c.name == name)
            if row is not None:
                if row.lifecycle_stage != ACTIVE:
                    raise Conflict("The experiment is deleted; restore it to add runs.")
                return int(row.experiment_id)
            try:
                return self._insert_experiment(conn, ExperimentCreate(name=name), user)
            except Conflict:
                continue  # created by a concurrent request: read it again
        raise Conflict("The experiment could not be created.")  # pragma: no cover

    def create_run(self, spec: RunCreate, user: str | None) -> Run:
        if spec.experiment_id is not None and spec.experiment_name is not None:
            raise InvalidArgument("Give experiment_id or experiment_name, not both.")
        run_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            eid = self._experiment_for_new_run(conn, spec, user)
            source = spec.source or RunSource()
            conn.execute(
                insert(schema.runs).values(
                    run_id=run_id,
                    experiment_id=eid,
                    name=spec.name or random_run_name(),
                    status=RunStatus.RUNNING.value,
                    start_time=spec.start_time or now_ms(),
                    user=user,
                    lifecycle_stage=ACTIVE,
                    artifact_uri=f"{self.artifact_root}/{eid}/{run_id}/artifacts",
                    source_notebook=source.notebook_path,
                    source_cell_id=source.cell_id,
                    source_cell_index=source.cell_index,
                    source_kernel_id=source.kernel_id,
                )
            )
            if spec.params:
                conn.execute(
                    insert(schema.params),
                    [{"run_id": run_id, "key": k, "value": v} for k, v in spec.params.items()],
                )
            if spec.tags:
                conn.execute(
                    insert(schema.tags),
                    [{"run_id": run_id, "key": k, "value": v} for k, v in spec.tags.items()],
                )
            return self._get_run(conn, run_id)

    def get_run(self, run_id: str) -> Run:
        with self.engine.connect() as conn:
            return self._get_run(conn, run_id)

    def update_run(self, run_id: str, change: RunUpdate) -> Run:
        with self.engine.begin() as conn:
            lock_run(conn, run_id)  # two servers changing one run: one after the other
            current = self._get_run(conn, run_id)
            values: dict[str, Any] = {}
            if change.name is not None:
                values["name"] = change.name
            if change.status is not None:
                values["status"] = change.status.value
                if change.status != RunStatus.RUNNING and change.end_time is None:
                    values["end_time"] = current.end_time or now_ms()
            if change.end_time is not None:
                if change.end_time < current.start_time:
                    raise InvalidArgument("end_time is before the run's start_time.")
                values["end_time"] = change.end_time
            if change.lifecycle_stage is not None:
                if change.lifecycle_stage == LifecycleStage.ACTIVE:
                    experiment = share_experiment(
                        conn, schema.experiments.c.experiment_id == int(current.experiment_id)
                    )
                    if experiment is None or experiment.lifecycle_stage != ACTIVE:
                        raise Conflict("The run's experiment is deleted; restore it first.")
                    values["deleted_time"] = None
                else:
                    values["deleted_time"] = now_ms()
                values["lifecycle_stage"] = change.lifecycle_stage.value
            if values:
                conn.execute(
                    update(schema.runs).where(schema.runs.c.run_id == run_id).values(**values)
                )
            return self._get_run(conn, run_id)

    def _delete_run_data(self, conn: Connection, run_ids: Any) -> None:
        # On PostgreSQL, a batch being logged to one of these runs either commits first (and
        # its points are deleted below) or finds the run gone (see SqlMetricLog._keep_run).
        runs, series = schema.runs, schema.metric_series
        conn.execute(select(runs.c.run_id).where(runs.c.run_id.in_(run_ids)).with_for_update())
        conn.execute(
            delete(schema.metrics).where(
                schema.metrics.c.series_id.in_(
                    select(series.c.series_id).where(series.c.run_id.in_(run_ids))
                )
            )
        )
        for table in (
            series,
            schema.metric_rollups,
            schema.latest_metrics,
            schema.params,
            schema.tags,
            schema.log_batches,
            schema.logged_model_outputs,
        ):
            conn.execute(delete(table).where(table.c.run_id.in_(run_ids)))

    def delete_run(self, run_id: str, permanent: bool = False) -> Run:
        with self.engine.begin() as conn:
            run = self._get_run(conn, run_id)
            if permanent:
                self._delete_run_data(conn, [run_id])
                conn.execute(delete(schema.runs).where(schema.runs.c.run_id == run_id))
                return run.model_copy(update={"lifecycle_stage": LifecycleStage.DELETED})
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(lifecycle_stage=DELETED, deleted_time=now_ms())
            )
            return self._get_run(conn, run_id)

    # -- tags ----------------------------------------------------------------------------

    def delete_run_tag(self, run_id: str, key: str) -> Run:
        tags = schema.tags
        with self.engine.begin() as conn:
            run = self._get_run(conn, run_id)
            if run.lifecycle_stage != LifecycleStage.ACTIVE:
                raise Conflict("The run is deleted; restore it to change its tags.")
            deleted = conn.execute(delete(tags).where(tags.c.run_id == run_id, tags.c.key == key))
            if deleted.rowcount == 0:
                raise NotFound("The run has no tag with that key.")
            return self._get_run(conn, run_id)

    # -- logged models -------------------------------------------------------------------

    def create_logged_model(self, spec: LoggedModelCreate, user: str | None) -> LoggedModel:
        return self._logged_models.create(spec, user)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return self._logged_models.get(model_id)

    def list_logged_models(
        self, experiment_ids: Sequence[str], view: ViewType = ViewType.ACTIVE_ONLY
    ) -> list[LoggedModel]:
        return self._logged_models.of_experiments(experiment_ids, view)

    def update_logged_model(self, model_id: str, change: LoggedModelUpdate) -> LoggedModel:
        return self._logged_models.update(model_id, change)

    def delete_logged_model_tag(self, model_id: str, key: str) -> LoggedModel:
        return self._logged_models.delete_tag(model_id, key)

    def log_model_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        self._logged_models.log_outputs(run_id, outputs)

    def get_model_outputs(self, run_ids: Sequence[str]) -> dict[str, list[ModelOutput]]:
        return self._logged_models.outputs(run_ids)

    # -- run inputs and logged models' metrics -------------------------------------------

    def log_run_inputs(self, run_id: str, inputs: RunInputs) -> None:
        self._inputs.log_inputs(run_id, inputs)

    def get_run_inputs(self, run_ids: Sequence[str]) -> dict[str, RunInputs]:
        return self._inputs.inputs(run_ids)

    def log_model_metrics(self, metrics: Sequence[ModelMetric]) -> None:
        self._inputs.log_model_metrics(metrics)

    def search_dataset_summaries(
        self, experiment_ids: Sequence[str], limit: int = 1000
    ) -> list[DatasetSummary]:
        ids = [int(e) for e in experiment_ids if e.isdigit() and len(e) < 10]
        return self._inputs.dataset_summaries(ids, limit)

    def check_logged_models(self, model_ids: Sequence[str]) -> None:
        self._inputs.check_models(model_ids)

    def get_model_metrics(self, model_ids: Sequence[str]) -> dict[str, list[ModelMetric]]:
        return self._inputs.model_metrics(model_ids)

    # -- logging -------------------------------------------------------------------------

    def log_batch(self, run_id: str, batch: LogBatch) -> BatchOutcome:
        return self._metric_log.log_batch(run_id, batch)

    def update_list_tag(
        self, run_id: str, key: str, change: Callable[[list[Any]], list[Any]]
    ) -> BatchOutcome:
        with self.engine.begin() as conn:
            return update_list_tag(conn, self._upsert, run_id, key, change)

    def get_metric_history(
        self, run_id: str, key: str, max_points: int | None = None
    ) -> MetricHistory:
        return self._metric_log.get_metric_history(run_id, key, max_points)

    def needs_upkeep(self) -> bool:
        return self._metric_log.rollups.wanted()

    def upkeep(self) -> None:
        self._metric_log.rollups.upkeep()

    # -- search --------------------------------------------------------------------------

    def search_runs(self, query: SearchRuns, parsed: ParsedQuery | None = None) -> RunsPage:
        if parsed is None:
            parsed = parse_query(query.filter, query.order_by)
        expression, order = parsed.expression, parsed.order
        experiment_ids = [self._experiment_id(e) for e in query.experiment_ids]
        offset = decode_page_token(query.page_token, query) if query.page_token else 0
        with self.engine.connect() as conn:
            if not experiment_ids:
                experiment_ids = self._active_experiment_ids(conn)
            rows = search_run_rows(
                conn,
                experiment_ids,
                query.run_view_type,
                expression,
                order,
                offset,
                query.max_results + 1,
            )
            has_more = len(rows) > query.max_results
            runs = runs_from_rows(conn, rows[: query.max_results], self._placeholder)
        token = encode_page_token(offset + query.max_results, query) if has_more else None
        return RunsPage.model_construct(runs=runs, next_page_token=token)

    def _active_experiment_ids(self, conn: Connection) -> list[int]:
        """What an empty ``experiment_ids`` means in a search: every active experiment."""
        return list(
            conn.execute(
                select(schema.experiments.c.experiment_id).where(
                    schema.experiments.c.lifecycle_stage == ACTIVE
                )
            ).scalars()
        )

    # -- keys (sql_run_keys.py) ----------------------------------------------------------

    def list_run_keys(self, query: RunKeysQuery) -> RunKeys:
        return self._run_keys.of_runs(query)

    def find_metric_series(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> list[tuple[str, str]]:
        return self._run_keys.metric_series(run_ids, keys)
