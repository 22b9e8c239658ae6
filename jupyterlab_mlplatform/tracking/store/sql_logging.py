"""The logging hot path of the SQL store: log batches in, metric histories out.

The statements every batch of metrics runs go to the database driver directly, inside
SQLAlchemy's transaction: the run's state, the points, the latest values, and the history
read.  SQLAlchemy's per-statement and per-row processing costs two to three times the
database's own work there (a one-point batch: 4 statements, each 0.1 ms more through
SQLAlchemy).  The series number of each run and key is kept once a batch that used it
committed.  Everything else (batch ids, params, tags, new series) is SQLAlchemy Core, with
the statements built once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, select

from ...errors import Conflict, NotFound
from ..downsample import minmax_indices
from ..models import LatestMetric, LogBatch, MetricHistory
from . import schema
from .base import BatchOutcome
from .sql_rollups import MetricRollups
from .sql_rows import ACTIVE, now_ms, series_of

SERIES_CHUNK = 500
"""Keys looked up per statement (SQLite allows a few thousand bound values at most)."""
LATEST_CHUNK = 100
"""Latest values written per statement (6 bound values each)."""
SERIES_CACHE_SIZE = 100_000
"""Series numbers kept in memory (about 10 MB at most), then forgotten all at once."""


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
        runs, batches = schema.runs, schema.log_batches
        self._run_state = select(runs.c.experiment_id, runs.c.lifecycle_stage).where(
            runs.c.run_id == bindparam("run_id")
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
        # The statements of every batch, at the driver (see the module's docstring): a run's
        # state, its check at the end, its latest values.  Points have no foreign key to
        # their run (see schema.metrics), so a batch makes sure its run is there and stays
        # so until commit: on PostgreSQL the first statement takes the lock a foreign key
        # would (FOR KEY SHARE on the run's row); on SQLite the check after the points were
        # written runs under the write lock the batch holds by then.
        self._postgres = engine.dialect.name == "postgresql"
        self._run_state_sql = (
            f"SELECT experiment_id, lifecycle_stage FROM runs WHERE run_id = {placeholder}"
            + (" FOR KEY SHARE" if self._postgres else "")
        )
        self._keep_run_sql = f"SELECT 1 FROM runs WHERE run_id = {placeholder}"
        self._placeholder = placeholder
        self._set_latest_sql: dict[int, str] = {}
        self._series_cache: dict[tuple[str, str], int] = {}
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

        array = "%b" if engine.dialect.driver == "psycopg" else "%s"  # psycopg 3: binary
        self._insert_metrics_unnest_sql = (
            'INSERT INTO metrics ("series_id", "step", "timestamp", "value", "is_nan") '
            f"SELECT * FROM unnest({array}::integer[], {array}::bigint[], {array}::bigint[], "
            f"{array}::double precision[], {array}::boolean[]) ON CONFLICT DO NOTHING"
        )

    def log_batch(self, run_id: str, batch: LogBatch) -> BatchOutcome:
        series: dict[str, int] = {}
        with self.engine.begin() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(self._run_state_sql, (run_id,))
                run = cursor.fetchone()
            finally:
                cursor.close()
            if run is None:
                raise NotFound("No run with that id.")
            experiment_id = str(run[0])
            if run[1] != ACTIVE:
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
                latest = self._append_metrics(conn, run_id, batch, series)
                if not self._postgres and not self._run_exists(conn, run_id):
                    raise NotFound("No run with that id.")  # deleted meanwhile: roll back
        self._remember_series(run_id, series)
        return BatchOutcome(True, experiment_id, latest, len(batch.metrics))

    def _run_exists(self, conn: Connection, run_id: str) -> bool:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self._keep_run_sql, (run_id,))
            return cursor.fetchone() is not None
        finally:
            cursor.close()

    def _remember_series(self, run_id: str, series: dict[str, int]) -> None:
        """Keep the series numbers of a committed batch: a number never changes while its
        run exists, and every batch checks that its run exists first.  Only after the
        commit: a number handed out by a transaction that rolled back is nobody's."""
        cache = self._series_cache
        if len(cache) + len(series) > SERIES_CACHE_SIZE:
            cache.clear()
        for key, series_id in series.items():
            cache[run_id, key] = series_id

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
        self, conn: Connection, run_id: str, batch: LogBatch, series: dict[str, int]
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
        cache = self._series_cache
        unknown = []
        for key in sorted(newest):
            series_id = cache.get((run_id, key))
            if series_id is None:
                unknown.append(key)
            else:
                series[key] = series_id
        if unknown:
            series.update(self._series_ids(conn, run_id, unknown))
        rows = [
            (series[key], step, ts, value, False)
            if not isnan(value)
            else (series[key], step, ts, 0.0, True)
            for key, step, ts, value in points
        ]
        # The bulk insert goes straight to the driver's executemany: SQLAlchemy's per-row
        # parameter processing would cost more than the database's own work.
        candidates = [
            (run_id, key, step, ts, 0.0, True)
            if isnan(value)
            else (run_id, key, step, ts, value, False)
            for key, (step, ts, value) in sorted(newest.items())
        ]
        latest: dict[str, LatestMetric] = {}
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(rows) == 1:
                cursor.execute(self._insert_metrics_sql, rows[0])
            elif self._postgres:
                # One statement whose five parameters are arrays (a column each): psycopg's
                # executemany sends a statement per row, 30 us of Python each.
                cursor.execute(
                    self._insert_metrics_unnest_sql, [list(c) for c in zip(*rows, strict=True)]
                )
            else:
                cursor.executemany(self._insert_metrics_sql, rows)
            # The newest point of each key, where it is newer than the stored one; RETURNING
            # tells which were (the live panels' events).
            for start in range(0, len(candidates), LATEST_CHUNK):
                chunk = candidates[start : start + LATEST_CHUNK]
                cursor.execute(self._latest_sql(len(chunk)), [v for row in chunk for v in row])
                for key, step, ts, value, is_nan in cursor.fetchall():
                    latest[key] = LatestMetric.model_construct(
                        value=math.nan if is_nan else value, step=step, timestamp=ts
                    )
        finally:
            cursor.close()
        return latest

    def _latest_sql(self, n: int) -> str:
        """INSERT ... ON CONFLICT DO UPDATE of ``n`` latest values, where newer (by step,
        then timestamp), returning the rows it wrote."""
        sql = self._set_latest_sql.get(n)
        if sql is None:
            row = "(" + ", ".join([self._placeholder] * 6) + ")"
            sql = (
                'INSERT INTO latest_metrics (run_id, key, step, "timestamp", value, is_nan) '
                f"VALUES {', '.join([row] * n)} "
                "ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step, "
                '"timestamp" = excluded."timestamp", value = excluded.value, '
                "is_nan = excluded.is_nan "
                "WHERE excluded.step > latest_metrics.step OR (excluded.step = "
                'latest_metrics.step AND excluded."timestamp" >= latest_metrics."timestamp") '
                'RETURNING key, step, "timestamp", value, is_nan'
            )
            self._set_latest_sql[n] = sql
        return sql

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
