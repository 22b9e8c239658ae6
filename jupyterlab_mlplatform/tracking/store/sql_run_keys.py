"""The keys runs have, in the SQL store: the param, metric and tag keys of an experiment's
runs (the columns the Experiments panel offers), and which runs have a metric series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, Connection, Engine, select

from ...errors import NotFound
from ..models import RunKeys, RunKeysQuery, ViewType
from . import schema
from .sql_rows import ACTIVE, DELETED


class SqlRunKeys:
    """The keys' part of :class:`.sql.SqlTrackingStore`."""

    def __init__(
        self,
        engine: Engine,
        experiment_id: Callable[[str], int],
        active_experiment_ids: Callable[[Connection], list[int]],
    ) -> None:
        self.engine = engine
        self._experiment_id = experiment_id
        self._active_experiment_ids = active_experiment_ids

    def of_runs(self, query: RunKeysQuery) -> RunKeys:
        """The param, metric and tag keys of the runs a query scopes, each sorted."""
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

    def metric_series(self, run_ids: Sequence[str], keys: Sequence[str]) -> list[tuple[str, str]]:
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
