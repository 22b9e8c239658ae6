"""The SQL tracking store: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by config.

The schema lives in :mod:`.schema` and is created and upgraded by Alembic (:mod:`.migrate`)
when the store opens.  SQLite runs in WAL mode so that readers never wait for the writer.

:class:`SqlTrackingStore` owns the engine and the run search; each other part is a module of
its own that it hands its calls to: experiments (:mod:`.sql_experiments`), runs
(:mod:`.sql_runs`), metric logging (:mod:`.sql_logging`), logged models
(:mod:`.sql_logged_models`) and run inputs (:mod:`.sql_inputs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from traitlets import Int

from ...errors import NotFound, StoreUnavailable
from ...private_files import make_private_file
from ..models import (
    DatasetSummary,
    Experiment,
    ExperimentCreate,
    ExperimentUpdate,
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
from ..search import (
    build_search_query,
    decode_page_token,
    encode_page_token,
    parse_filter,
    parse_order_by,
)
from . import schema
from .base import BatchOutcome, TrackingStore
from .migrate import upgrade_to_head
from .sql_experiments import SqlExperiments
from .sql_inputs import SqlRunInputs
from .sql_logged_models import SqlLoggedModels
from .sql_logging import SqlMetricLog
from .sql_rows import ACTIVE, DELETED, experiment_number, runs_from_rows
from .sql_runs import SqlRuns

"""MLflow's default experiment: the migration to 0006 makes ``Default`` experiment 0, and
creating ``Default`` again (after it was deleted for good) takes 0 back."""


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

    def __init__(self, uri: str, artifact_root: str, **kwargs: object) -> None:
        super().__init__(uri, artifact_root, **kwargs)
        self.engine = self._create_engine(uri)
        self._placeholder = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        self._upserts: dict[str, Any] = {}
        self._experiments = SqlExperiments(self.engine, self._upsert, self.artifact_root)
        self._runs = SqlRuns(self.engine, self._placeholder, self.artifact_root, self._experiments)
        self._metric_log = SqlMetricLog(
            self.engine, self._dialect_insert, self._upsert, self._placeholder, self.log
        )
        self._logged_models = SqlLoggedModels(self.engine, self._upsert, self._experiment_id)
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
        return create_engine(url, pool_size=int(self.pool_size), pool_pre_ping=True)

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

    # -- runs (sql_runs.py) --------------------------------------------------------------

    def create_run(self, spec: RunCreate, user: str | None) -> Run:
        return self._runs.create(spec, user)

    def get_run(self, run_id: str) -> Run:
        return self._runs.get(run_id)

    def update_run(self, run_id: str, change: RunUpdate) -> Run:
        return self._runs.update(run_id, change)

    def delete_run(self, run_id: str, permanent: bool = False) -> Run:
        return self._runs.delete(run_id, permanent)

    def delete_run_tag(self, run_id: str, key: str) -> Run:
        return self._runs.delete_tag(run_id, key)

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

    def get_metric_history(
        self, run_id: str, key: str, max_points: int | None = None
    ) -> MetricHistory:
        return self._metric_log.get_metric_history(run_id, key, max_points)

    def needs_upkeep(self) -> bool:
        return self._metric_log.rollups.wanted()

    def upkeep(self) -> None:
        self._metric_log.rollups.upkeep()

    # -- search --------------------------------------------------------------------------

    def search_runs(self, query: SearchRuns) -> RunsPage:
        expression = parse_filter(query.filter)
        order = parse_order_by(query.order_by)
        experiment_ids = [self._experiment_id(e) for e in query.experiment_ids]
        offset = decode_page_token(query.page_token, query) if query.page_token else 0
        with self.engine.connect() as conn:
            if not experiment_ids:
                experiment_ids = self._active_experiment_ids(conn)
            statement = build_search_query(
                experiment_ids,
                query.run_view_type,
                expression,
                order,
                offset,
                query.max_results + 1,
            )
            rows = conn.execute(statement).all()
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

    # -- keys ----------------------------------------------------------------------------

    def list_run_keys(self, query: RunKeysQuery) -> RunKeys:
        experiment_ids = [self._experiment_id(e) for e in query.experiment_ids]
        runs = schema.runs
        keys: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            if not experiment_ids:
                experiment_ids = self._active_experiment_ids(conn)
            scope: list[ColumnElement[bool]] = [runs.c.experiment_id.in_(experiment_ids)]
            if query.run_view_type == ViewType.ACTIVE_ONLY:
                scope.append(runs.c.lifecycle_stage == ACTIVE)
            elif query.run_view_type == ViewType.DELETED_ONLY:
                scope.append(runs.c.lifecycle_stage == DELETED)
            # The runs come from the (experiment_id, start_time) index, each run's keys from
            # the (run_id, key) primary key; metric keys from latest_metrics, one row per key.
            for name, table in (
                ("params", schema.params),
                ("metrics", schema.latest_metrics),
                ("tags", schema.tags),
            ):
                statement = (
                    select(table.c.key)
                    .distinct()
                    .join_from(runs, table, table.c.run_id == runs.c.run_id)
                    .where(*scope)
                )
                # Sorted here, not by the database: PostgreSQL's collation would order them
                # differently from SQLite's.
                keys[name] = sorted(conn.execute(statement).scalars())
        return RunKeys.model_construct(
            params=keys["params"], metrics=keys["metrics"], tags=keys["tags"]
        )

    def find_metric_series(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> list[tuple[str, str]]:
        runs, latest = schema.runs, schema.latest_metrics
        with self.engine.connect() as conn:
            found = set(
                conn.execute(select(runs.c.run_id).where(runs.c.run_id.in_(run_ids))).scalars()
            )
            missing = [i for i, run_id in enumerate(run_ids) if run_id not in found]
            if missing:
                raise NotFound(f"No run with the id at run_ids[{missing[0]}].")
            # latest_metrics has one row per run and key that has points.
            series = {
                (row.run_id, row.key)
                for row in conn.execute(
                    select(latest.c.run_id, latest.c.key).where(
                        latest.c.run_id.in_(run_ids), latest.c.key.in_(keys)
                    )
                )
            }
        return [(run_id, key) for run_id in run_ids for key in keys if (run_id, key) in series]
