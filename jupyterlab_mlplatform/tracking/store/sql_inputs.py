"""What runs used and what models scored, in the SQL store (MLflow 3's run inputs and
logged-model metrics).

- a run's inputs: datasets (``run_dataset_inputs``, one row per dataset name and digest;
  logging one again replaces its tags) and logged models by id (``run_model_inputs``);
- a logged model's metrics (``logged_model_metrics``): points a run logged with a
  ``model_id``, kept beside the run's own copy, with the dataset they were measured on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from ...errors import NotFound
from ..models import DatasetInput, DatasetSummary, ModelMetric, RunInputs
from . import schema
from .sql_locks import lock_active_run

Upsert = Callable[[Connection, Table, list[dict[str, Any]]], None]
CHUNK = 500
DATASET_CONTEXT_TAG = "mlflow.data.context"


class SqlRunInputs:
    def __init__(
        self, engine: Engine, upsert: Upsert, dialect_insert: Callable[[Table], Any]
    ) -> None:
        self.engine = engine
        self._upsert = upsert
        self._dialect_insert = dialect_insert

    def log_inputs(self, run_id: str, inputs: RunInputs) -> None:
        with self.engine.begin() as conn:
            lock_active_run(conn, run_id)  # not deleted for good before this commits
            self._upsert(
                conn,
                schema.run_dataset_inputs,
                [
                    {
                        "run_id": run_id,
                        "name": d.name,
                        "digest": d.digest,
                        "source_type": d.source_type,
                        "source": d.source,
                        "dataset_schema": d.dataset_schema,
                        "profile": d.profile,
                        "tags": json.dumps(d.tags, sort_keys=True),
                    }
                    # a dataset given twice is stored once, the last one's tags winning
                    for d in {(d.name, d.digest): d for d in inputs.datasets}.values()
                ],
            )
            if inputs.model_ids:
                # INSERT ... ON CONFLICT DO NOTHING: a model input logged again (even by
                # another server on the same database at the same moment) is kept once
                conn.execute(
                    self._dialect_insert(schema.run_model_inputs).on_conflict_do_nothing(),
                    [{"run_id": run_id, "model_id": m} for m in dict.fromkeys(inputs.model_ids)],
                )

    def inputs(self, run_ids: Sequence[str]) -> dict[str, RunInputs]:
        found = {run_id: RunInputs() for run_id in run_ids}
        datasets, models = schema.run_dataset_inputs, schema.run_model_inputs
        with self.engine.connect() as conn:
            for start in range(0, len(run_ids), CHUNK):
                chunk = list(run_ids[start : start + CHUNK])
                for row in conn.execute(
                    select(datasets)
                    .where(datasets.c.run_id.in_(chunk))
                    .order_by(datasets.c.run_id, datasets.c.name, datasets.c.digest)
                ):
                    found[row.run_id].datasets.append(
                        DatasetInput(
                            name=row.name,
                            digest=row.digest,
                            source_type=row.source_type,
                            source=row.source,
                            dataset_schema=row.dataset_schema,
                            profile=row.profile,
                            tags=json.loads(row.tags),
                        )
                    )
                for row in conn.execute(
                    select(models)
                    .where(models.c.run_id.in_(chunk))
                    .order_by(models.c.run_id, models.c.model_id)
                ):
                    found[row.run_id].model_ids.append(row.model_id)
        return found

    def dataset_summaries(self, experiment_ids: Sequence[int], limit: int) -> list[DatasetSummary]:
        """The distinct (experiment, dataset, context) the experiments' runs used."""
        datasets, runs = schema.run_dataset_inputs, schema.runs
        query = (
            select(runs.c.experiment_id, datasets.c.name, datasets.c.digest, datasets.c.tags)
            .join(runs, runs.c.run_id == datasets.c.run_id)
            .where(runs.c.experiment_id.in_(list(experiment_ids)))
        )
        found: dict[tuple[str, str, str, str | None], None] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                context = json.loads(row.tags).get(DATASET_CONTEXT_TAG)
                found[(str(row.experiment_id), row.name, row.digest, context)] = None
        return [
            DatasetSummary(experiment_id=e, name=n, digest=d, context=c)
            for e, n, d, c in sorted(found, key=lambda k: (k[0], k[1], k[2], k[3] or ""))
        ][:limit]

    def check_models(self, model_ids: Sequence[str]) -> None:
        """``NotFound`` unless every one of the logged models exists."""
        wanted = set(model_ids)
        with self.engine.connect() as conn:
            present = set(
                conn.execute(
                    select(schema.logged_models.c.model_id).where(
                        schema.logged_models.c.model_id.in_(list(wanted))
                    )
                ).scalars()
            )
        if present != wanted:
            raise NotFound("No logged model with one of those ids.")

    def log_model_metrics(self, metrics: Sequence[ModelMetric]) -> None:
        if not metrics:
            return
        self.check_models([m.model_id for m in metrics])
        with self.engine.begin() as conn:
            self._upsert(
                conn,
                schema.logged_model_metrics,
                [
                    {
                        "model_id": m.model_id,
                        "key": m.key,
                        "step": m.step,
                        "timestamp": m.timestamp,
                        "run_id": m.run_id,
                        "value": 0.0 if math.isnan(m.value) else m.value,
                        "is_nan": math.isnan(m.value),
                        "dataset_name": m.dataset_name,
                        "dataset_digest": m.dataset_digest,
                    }
                    for m in {  # a point given twice is stored once, the last value winning
                        (m.model_id, m.key, m.step, m.timestamp, m.run_id): m for m in metrics
                    }.values()
                ],
            )

    def model_metrics(self, model_ids: Sequence[str]) -> dict[str, list[ModelMetric]]:
        table = schema.logged_model_metrics
        found: dict[str, list[ModelMetric]] = {model_id: [] for model_id in model_ids}
        with self.engine.connect() as conn:
            for start in range(0, len(model_ids), CHUNK):
                chunk = list(model_ids[start : start + CHUNK])
                query = (
                    select(table)
                    .where(table.c.model_id.in_(chunk))
                    .order_by(table.c.model_id, table.c.key, table.c.step, table.c.timestamp)
                )
                for row in conn.execute(query):
                    found[row.model_id].append(
                        ModelMetric(
                            model_id=row.model_id,
                            run_id=row.run_id,
                            key=row.key,
                            value=math.nan if row.is_nan else row.value,
                            timestamp=row.timestamp,
                            step=row.step,
                            dataset_name=row.dataset_name,
                            dataset_digest=row.dataset_digest,
                        )
                    )
        return found
