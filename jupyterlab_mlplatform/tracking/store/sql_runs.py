"""Runs in the SQL store: create (in an experiment given by id or by name, made when it is
missing), read, update, delete and restore, and their tags.  A run's metrics are logged by
:mod:`.sql_logging`, searched by :mod:`..search`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from ...constants import DEFAULT_EXPERIMENT_NAME
from ...errors import Conflict, InvalidArgument, NotFound
from ..models import (
    ExperimentCreate,
    LifecycleStage,
    Run,
    RunCreate,
    RunSource,
    RunStatus,
    RunUpdate,
)
from ..run_names import random_run_name
from . import schema
from .sql_rows import ACTIVE, DELETED, experiment_number, now_ms, runs_from_rows

if TYPE_CHECKING:
    from .sql_experiments import SqlExperiments


def delete_run_data(conn: Connection, run_ids: Any) -> None:
    """Delete the runs' metrics, params, tags and the rest, not the run rows."""
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


class SqlRuns:
    """The runs' part of :class:`.sql.SqlTrackingStore`."""

    def __init__(
        self, engine: Engine, placeholder: str, artifact_root: str, experiments: SqlExperiments
    ) -> None:
        self.engine = engine
        self._placeholder = placeholder
        self.artifact_root = artifact_root
        self._experiments = experiments

    def get_in(self, conn: Connection, run_id: str) -> Run:
        row = conn.execute(select(schema.runs).where(schema.runs.c.run_id == run_id)).first()
        if row is None:
            raise NotFound("No run with that id.")
        return runs_from_rows(conn, [row], self._placeholder)[0]

    def _experiment_for_new_run(self, conn: Connection, spec: RunCreate, user: str | None) -> int:
        if spec.experiment_id is not None:
            eid = experiment_number(spec.experiment_id)
            row = conn.execute(
                select(schema.experiments.c.lifecycle_stage).where(
                    schema.experiments.c.experiment_id == eid
                )
            ).first()
            if row is None:
                raise NotFound("No experiment with that id.")
            if row.lifecycle_stage != ACTIVE:
                raise Conflict("The experiment is deleted; restore it to add runs.")
            return eid
        name = spec.experiment_name or DEFAULT_EXPERIMENT_NAME
        for _attempt in range(3):
            row = conn.execute(
                select(
                    schema.experiments.c.experiment_id, schema.experiments.c.lifecycle_stage
                ).where(schema.experiments.c.name == name)
            ).first()
            if row is not None:
                if row.lifecycle_stage != ACTIVE:
                    raise Conflict("The experiment is deleted; restore it to add runs.")
                return int(row.experiment_id)
            try:
                return self._experiments.insert(conn, ExperimentCreate(name=name), user)
            except Conflict:
                continue  # created by a concurrent request: read it again
        raise Conflict("The experiment could not be created.")  # pragma: no cover

    def create(self, spec: RunCreate, user: str | None) -> Run:
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
            return self.get_in(conn, run_id)

    def get(self, run_id: str) -> Run:
        with self.engine.connect() as conn:
            return self.get_in(conn, run_id)

    def update(self, run_id: str, change: RunUpdate) -> Run:
        with self.engine.begin() as conn:
            current = self.get_in(conn, run_id)
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
                    experiment = self._experiments.get_in(conn, int(current.experiment_id))
                    if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
                        raise Conflict("The run's experiment is deleted; restore it first.")
                    values["deleted_time"] = None
                else:
                    values["deleted_time"] = now_ms()
                values["lifecycle_stage"] = change.lifecycle_stage.value
            if values:
                conn.execute(
                    update(schema.runs).where(schema.runs.c.run_id == run_id).values(**values)
                )
            return self.get_in(conn, run_id)

    def delete(self, run_id: str, permanent: bool = False) -> Run:
        with self.engine.begin() as conn:
            run = self.get_in(conn, run_id)
            if permanent:
                delete_run_data(conn, [run_id])
                conn.execute(delete(schema.runs).where(schema.runs.c.run_id == run_id))
                return run.model_copy(update={"lifecycle_stage": LifecycleStage.DELETED})
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(lifecycle_stage=DELETED, deleted_time=now_ms())
            )
            return self.get_in(conn, run_id)

    def delete_tag(self, run_id: str, key: str) -> Run:
        tags = schema.tags
        with self.engine.begin() as conn:
            run = self.get_in(conn, run_id)
            if run.lifecycle_stage != LifecycleStage.ACTIVE:
                raise Conflict("The run is deleted; restore it to change its tags.")
            deleted = conn.execute(delete(tags).where(tags.c.run_id == run_id, tags.c.key == key))
            if deleted.rowcount == 0:
                raise NotFound("The run has no tag with that key.")
            return self.get_in(conn, run_id)
