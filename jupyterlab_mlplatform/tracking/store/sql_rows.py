"""Rows of the SQL store turned into wire models, and what the store's modules share."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from ...errors import NotFound
from ..models import Experiment, LatestMetric, LifecycleStage, Run, RunSource, RunStatus
from . import schema

ACTIVE = LifecycleStage.ACTIVE.value
DELETED = LifecycleStage.DELETED.value


def now_ms() -> int:
    return int(time.time() * 1000)


def experiment_number(experiment_id: str) -> int:
    """The database id of an experiment id as the API writes it; NotFound when it is none."""
    # ASCII digits only: int() also reads "١", " 1" and "1_0".
    if not (experiment_id.isascii() and experiment_id.isdigit()):
        raise NotFound("No experiment with that id.")
    value = int(experiment_id)
    if not 0 <= value < 2**31:
        raise NotFound("No experiment with that id.")
    return value


def series_of(placeholder: str) -> str:
    """The SQL condition on ``metrics`` that selects one series' points by its run id and
    key (two placeholders, in that order)."""
    return (
        '"series_id" = (SELECT "series_id" FROM metric_series '
        f'WHERE "run_id" = {placeholder} AND "key" = {placeholder})'
    )


def experiments_from_rows(conn: Connection, rows: Sequence[Row[Any]]) -> list[Experiment]:
    """Wire models for experiment rows, with their tags (one more query)."""
    ids = [row.experiment_id for row in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    if ids:
        for tag in conn.execute(
            select(schema.experiment_tags).where(schema.experiment_tags.c.experiment_id.in_(ids))
        ):
            tags[tag.experiment_id][tag.key] = tag.value
    return [
        Experiment(
            experiment_id=str(row.experiment_id),
            name=row.name,
            description=row.description,
            artifact_location=row.artifact_location,
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            creation_time=row.creation_time,
            last_update_time=row.last_update_time,
            created_by=row.created_by,
            tags=tags[row.experiment_id],
        )
        for row in rows
    ]


def runs_from_rows(conn: Connection, rows: Sequence[Row[Any]], placeholder: str) -> list[Run]:
    """Wire models for run rows, with params, tags and latest metrics (3 queries)."""
    ids = [row.run_id for row in rows]
    params: dict[str, dict[str, str]] = {i: {} for i in ids}
    tags: dict[str, dict[str, str]] = {i: {} for i in ids}
    metrics: dict[str, dict[str, LatestMetric]] = {i: {} for i in ids}
    # Read at the driver level: a search page loads thousands of these small rows, and
    # SQLAlchemy's per-row processing would cost more than the queries.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ", ".join([placeholder] * len(chunk))
            cursor.execute(
                f"SELECT run_id, key, value FROM params WHERE run_id IN ({marks})", chunk
            )
            for run_id, key, value in cursor.fetchall():
                params[run_id][key] = value
            cursor.execute(f"SELECT run_id, key, value FROM tags WHERE run_id IN ({marks})", chunk)
            for run_id, key, value in cursor.fetchall():
                tags[run_id][key] = value
            cursor.execute(
                'SELECT run_id, key, value, is_nan, step, "timestamp" FROM latest_metrics '
                f"WHERE run_id IN ({marks})",
                chunk,
            )
            for run_id, key, value, is_nan, step, timestamp in cursor.fetchall():
                metrics[run_id][key] = LatestMetric.model_construct(
                    value=math.nan if is_nan else value, step=step, timestamp=timestamp
                )
    finally:
        cursor.close()
    return [
        Run.model_construct(
            run_id=row.run_id,
            experiment_id=str(row.experiment_id),
            name=row.name,
            status=RunStatus(row.status),
            start_time=row.start_time,
            end_time=row.end_time,
            user=row.user,
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            artifact_uri=row.artifact_uri,
            source=RunSource.model_construct(
                notebook_path=row.source_notebook,
                cell_id=row.source_cell_id,
                cell_index=row.source_cell_index,
                kernel_id=row.source_kernel_id,
            ),
            params=params[row.run_id],
            tags=tags[row.run_id],
            metrics=metrics[row.run_id],
        )
        for row in rows
    ]
