"""The logging hot path of the SQL store: log batches in, metric histories out.

Two places go to the database driver directly, inside SQLAlchemy's transaction: the bulk
insert of metric points and the history read.  SQLAlchemy's per-row parameter and result
processing costs two to three times the database's own work there.  Everything else is
SQLAlchemy Core, with the statements built once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, bindparam, or_, select

from ...errors import Conflict, NotFound
from ..downsample import minmax_indices
from ..models import LatestMetric, LogBatch, MetricHistory
from . import schema
from .base import BatchOutcome
from .sql_rollups import MetricRollups
from .sql_rows import ACTIVE, now_ms, series_of

SERIES_CHUNK = 500
"""Keys looked up per statement (SQLite allows a few thousand bound values at most)."""


class SqlMetricLog:
    """Appends log batches to runs and reads metric histories back."""

    def __init__(
        self,
        engine: Engine,
        dialect_insert: Callable[[Table], Any],
        upsert: Callable[[Connection, Table, list[dict[str, Any]]], None],
        placeholder: str,
        log: logging.Logger,
    ) -> None:
        """Build the statements once: SQLAlchemy then reuses their compiled form instead of
        building and hashing a new construct per request."""
        self.engine = engine
        self.rollups = MetricRollups(engine, placeholder, log)
        self._upsert = upsert
        runs, lm, batches = schema.runs, schema.latest_metrics, schema.log_batches
        self._run_state = select(runs.c.experiment_id, runs.c.lifecycle_stage).where(
            runs.c.run_id == bindparam("run_id")
        )
        # Points have no foreign key to their run (see schema.metrics), so a batch makes
        # sure, after writing them, that its run is still there and stays so until commit:
        # SQLite holds the write lock by then; PostgreSQL takes the lock a foreign key would.
        self._keep_run = (
            select(runs.c.run_id)
            .where(runs.c.run_id == bindparam("run_id"))
            .with_for_update(read=True, key_share=True)
        )
        self._claim_batch = (
            dialect_insert(batches)
            .values(
                batch_id=bindparam("batch_id"),
                run_id=bindparam("run_id"),
                created=bindparam("created"),
            )
            .on_conflict_do_nothing(index_elements=["batch_id"])
            .returning(batches.c.batch_id)
        )
        insert_latest = dialect_insert(lm)
        newer = or_(
            insert_latest.excluded.step > lm.c.step,
            and_(
                insert_latest.excluded.step == lm.c.step,
                insert_latest.excluded.timestamp >= lm.c.timestamp,
            ),
        )
        self._set_latest = insert_latest.on_conflict_do_update(
            index_elements=["run_id", "key"],
            set_={c: insert_latest.excluded[c] for c in ("step", "timestamp", "value", "is_nan")},
            where=newer,
        ).returning(lm.c.key, lm.c.step, lm.c.timestamp, lm.c.value, lm.c.is_nan)
        self._insert_params = dialect_insert(schema.params).on_conflict_do_nothing(
            index_elements=["run_id", "key"]
        )
        series = schema.metric_series
        self._find_series = select(series.c.key, series.c.series_id).where(
            series.c.run_id == bindparam("run_id"),
            series.c.key.in_(bindparam("keys", expanding=True)),
        )
        self._add_series = (
            dialect_insert(series)
            .values(run_id=bindparam("run_id"), key=bindparam("key"))
            .on_conflict_do_nothing(index_elements=["run_id", "key"])
        )
        columns = ("series_id", "step", "timestamp", "value", "is_nan")
        self._history_sql = (
            'SELECT "step", "timestamp", "value", "is_nan" FROM metrics '
            f"WHERE {series_of(placeholder)} "
            'ORDER BY "step", "timestamp", "value", "is_nan"'
        )
        self._insert_metrics_sql = (
            "INSERT INTO metrics ({}) VALUES ({}) ON CONFLICT DO NOTHING".format(
                ", ".join(f'"{c}"' for c in columns), ", ".join([placeholder] * len(columns))
            )
        )

    def log_batch(self, run_id: str, batch: LogBatch) -> BatchOutcome:
        with self.engine.begin() as conn:
            run = conn.execute(self._run_state, {"run_id": run_id}).first()
            if run is None:
                raise NotFound("No run with that id.")
            experiment_id = str(run.experiment_id)
            if run.lifecycle_stage != ACTIVE:
                raise Conflict("The run is deleted; restore it to log to it.")
            if batch.batch_id is not None:
                claimed = conn.execute(
                    self._claim_batch,
                    {"batch_id": batch.batch_id, "run_id": run_id, "created": now_ms()},
                )
                if claimed.first() is None:  # applied before: this is a retry
                    return BatchOutcome(False, experiment_id, {}, 0)
            if batch.params:
                self._set_params(conn, run_id, batch.params)
            if batch.tags:
                self._upsert(
                    conn,
                    schema.tags,
                    [{"run_id": run_id, "key": k, "value": v} for k, v in batch.tags.items()],
                )
            latest: dict[str, LatestMetric] = {}
            if batch.metrics:
                latest = self._append_metrics(conn, run_id, batch)
                if conn.execute(self._keep_run, {"run_id": run_id}).first() is None:
                    raise NotFound("No run with that id.")  # deleted meanwhile: roll back
            return BatchOutcome(True, experiment_id, latest, len(batch.metrics))

    def _set_params(self, conn: Connection, run_id: str, new: dict[str, str]) -> None:
        # Insert first, keeping what is there (another server may be setting the same param
        # at this moment: its row wins the key, ours is then compared like any other), then
        # compare what the run has with what was asked.
        conn.execute(
            self._insert_params,
            # In key order, as every writer takes the keys' locks: two servers' batches with
            # the same new keys in another order would otherwise deadlock on PostgreSQL.
            [{"run_id": run_id, "key": k, "value": v} for k, v in sorted(new.items())],
        )
        stored = conn.execute(
            select(schema.params.c.key, schema.params.c.value).where(
                schema.params.c.run_id == run_id, schema.params.c.key.in_(list(new))
            )
        )
        changed = sorted(row.key for row in stored if new[row.key] != row.value)
        if changed:
            raise Conflict(
                f"Params are immutable: {len(changed)} param(s) already have another value "
                f"(first: {changed[0][:100]!r})."
            )

    def _append_metrics(
        self, conn: Connection, run_id: str, batch: LogBatch
    ) -> dict[str, LatestMetric]:
        now = now_ms()
        isnan = math.isnan
        # Comprehensions build the rows (a loop with appends costs twice as much at 10k
        # points).  NaN is stored as 0 with is_nan set.
        points = [
            (m["key"], m.get("step", 0), m.get("timestamp", now), m["value"]) for m in batch.metrics
        ]
        newest: dict[str, tuple[int, int, float]] = {}
        for key, step, ts, value in points:
            best = newest.get(key)
            if best is None or step > best[0] or (step == best[0] and ts >= best[1]):
                newest[key] = (step, ts, value)
        # Keys in sorted order, here and for the latest values: every writer locks the
        # keys' rows in one order, so two servers' batches cannot deadlock on PostgreSQL.
        series = self._series_ids(conn, run_id, sorted(newest))
        rows = [
            (series[key], step, ts, value, False)
            if not isnan(value)
            else (series[key], step, ts, 0.0, True)
            for key, step, ts, value in points
        ]
        # The bulk insert goes straight to the driver's executemany: SQLAlchemy's per-row
        # parameter processing would cost more than the database's own work.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self._insert_metrics_sql, rows)
        finally:
            cursor.close()
        candidates = [
            {
                "run_id": run_id,
                "key": key,
                "step": step,
                "timestamp": ts,
                "value": 0.0 if isnan(value) else value,
                "is_nan": isnan(value),
            }
            for key, (step, ts, value) in sorted(newest.items())
        ]
        return {
            row.key: LatestMetric.model_construct(
                value=math.nan if row.is_nan else row.value, step=row.step, timestamp=row.timestamp
            )
            for row in conn.execute(self._set_latest, candidates)
        }

    def _series_ids(self, conn: Connection, run_id: str, keys: list[str]) -> dict[str, int]:
        """The series number of each key of the run, numbering the keys new to it."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), SERIES_CHUNK):
            chunk = keys[start : start + SERIES_CHUNK]
            found.update(conn.execute(self._find_series, {"run_id": run_id, "keys": chunk}).all())
            new = [key for key in chunk if key not in found]
            if new:
                # ON CONFLICT: another process may number the same key first; read it back.
                conn.execute(self._add_series, [{"run_id": run_id, "key": key} for key in new])
                found.update(conn.execute(self._find_series, {"run_id": run_id, "keys": new}).all())
        return found

    def get_metric_history(
        self, run_id: str, key: str, max_points: int | None = None
    ) -> MetricHistory:
        with self.engine.connect() as conn:
            if conn.execute(self._run_state, {"run_id": run_id}).first() is None:
                raise NotFound("No run with that id.")
            if max_points is not None:
                sampled = self.rollups.downsampled(conn, run_id, key, max_points)
                if sampled is not None:
                    return sampled
            # Read straight from the driver: 100k rows through SQLAlchemy's result processing
            # cost several times the query itself.  The primary key serves the whole scan.
            steps: list[int] = []
            timestamps: list[int] = []
            values: list[float] = []
            nan_at: list[int] = []
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(self._history_sql, (run_id, key))
                # Column by column as the rows stream in: building a list of 100k row tuples
                # first would double the time (and wake the garbage collector repeatedly).
                add_step, add_timestamp, add_value = steps.append, timestamps.append, values.append
                for step, timestamp, value, is_nan in cursor:  # type: ignore[union-attr]
                    add_step(step)
                    add_timestamp(timestamp)
                    add_value(value)
                    if is_nan:
                        nan_at.append(len(values) - 1)
            finally:
                cursor.close()
        if not steps:
            raise NotFound("The run has no metric with that key.")
        for index in nan_at:
            values[index] = math.nan
        total = len(steps)
        downsampled = False
        if max_points is not None and total > max_points:
            if self.rollups.would_help(total, max_points):
                self.rollups.want(run_id, key)  # for the next read
            keep = minmax_indices(values, max_points)
            steps = [steps[i] for i in keep]
            timestamps = [timestamps[i] for i in keep]
            values = [values[i] for i in keep]
            downsampled = True
        return MetricHistory.model_construct(
            key=key,
            steps=steps,
            timestamps=timestamps,
            values=values,
            total=total,
            downsampled=downsampled,
        )
