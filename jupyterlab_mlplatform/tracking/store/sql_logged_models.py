"""Logged models in the SQL store: MLflow 3's models with ids of their own.

A logged model belongs to an experiment and may name the run that produced it; its files live
at ``<experiment artifact location>/models/<model_id>/artifacts``, beside the experiment's runs.
Runs declare models as their outputs in ``logged_model_outputs``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, Table, delete, insert, select, update

from ...errors import Conflict, NotFound
from ..models import (
    LifecycleStage,
    LoggedModel,
    LoggedModelCreate,
    LoggedModelStatus,
    LoggedModelUpdate,
    ModelOutput,
    ViewType,
)
from ..run_names import random_run_name
from . import schema
from .sql_locks import lock_active_run, share_experiment
from .sql_rows import ACTIVE, DELETED, now_ms

Upsert = Callable[[Connection, Table, list[dict[str, Any]]], None]


def _key_values(conn: Connection, table: Table, ids: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in conn.execute(select(table).where(table.c.model_id.in_(chunk))):
            found[row.model_id][row.key] = row.value
    return found


def logged_models_from_rows(conn: Connection, rows: Sequence[Row[Any]]) -> list[LoggedModel]:
    """Wire models for logged-model rows, with their params and tags (two more queries)."""
    ids = [row.model_id for row in rows]
    params = _key_values(conn, schema.logged_model_params, ids)
    tags = _key_values(conn, schema.logged_model_tags, ids)
    return [
        LoggedModel(
            model_id=row.model_id,
            experiment_id=str(row.experiment_id),
            name=row.name,
            source_run_id=row.source_run_id,
            model_type=row.model_type,
            status=LoggedModelStatus(row.status),
            status_message=row.status_message,
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            creation_time=row.creation_time,
            last_update_time=row.last_update_time,
            artifact_location=row.artifact_location,
            created_by=row.created_by,
            params=params[row.model_id],
            tags=tags[row.model_id],
        )
        for row in rows
    ]


class SqlLoggedModels:
    """The logged-model part of :class:`~.sql.SqlTrackingStore`."""

    def __init__(
        self,
        engine: Engine,
        upsert: Upsert,
        experiment_id: Callable[[str], int],
        dialect_insert: Callable[[Table], Any],
    ) -> None:
        self.engine = engine
        self._upsert = upsert
        self._experiment_id = experiment_id
        self._insert_params = dialect_insert(schema.logged_model_params).on_conflict_do_nothing(
            index_elements=["model_id", "key"]
        )

    def _get(self, conn: Connection, model_id: str) -> LoggedModel:
        row = conn.execute(
            select(schema.logged_models).where(schema.logged_models.c.model_id == model_id)
        ).first()
        if row is None:
            raise NotFound("No logged model with that id.")
        return logged_models_from_rows(conn, [row])[0]

    def create(self, spec: LoggedModelCreate, user: str | None) -> LoggedModel:
        eid = self._experiment_id(spec.experiment_id)
        model_id = f"m-{uuid.uuid4().hex}"
        now = now_ms()
        with self.engine.begin() as conn:
            if share_experiment(conn, schema.experiments.c.experiment_id == eid) is None:
                raise NotFound("No experiment with that id.")
            experiment = conn.execute(
                select(
                    schema.experiments.c.artifact_location, schema.experiments.c.lifecycle_stage
                ).where(schema.experiments.c.experiment_id == eid)
            ).first()
            if experiment is None:
                raise NotFound("No experiment with that id.")
            if experiment.lifecycle_stage != ACTIVE:
                raise Conflict("The experiment is deleted; restore it to add models.")
            # As in MLflow, the source run is recorded as given: it need not exist here
            conn.execute(
                insert(schema.logged_models).values(
                    model_id=model_id,
                    experiment_id=eid,
                    name=spec.name or random_run_name(),
                    source_run_id=spec.source_run_id,
                    model_type=spec.model_type,
                    status=LoggedModelStatus.PENDING.value,
                    lifecycle_stage=ACTIVE,
                    creation_time=now,
                    last_update_time=now,
                    artifact_location=(
                        f"{experiment.artifact_location}/models/{model_id}/artifacts"
                    ),
                    created_by=user,
                )
            )
            for table, values in (
                (schema.logged_model_params, spec.params),
                (schema.logged_model_tags, spec.tags),
            ):
                if values:
                    conn.execute(
                        insert(table),
                        [{"model_id": model_id, "key": k, "value": v} for k, v in values.items()],
                    )
            return self._get(conn, model_id)

    def get(self, model_id: str) -> LoggedModel:
        with self.engine.connect() as conn:
            return self._get(conn, model_id)

    def of_experiments(self, experiment_ids: Sequence[str], view: ViewType) -> list[LoggedModel]:
        models = schema.logged_models
        ids = [self._experiment_id(e) for e in experiment_ids]
        query = (
            select(models)
            .where(models.c.experiment_id.in_(ids))
            .order_by(models.c.creation_time, models.c.model_id)
        )
        if view == ViewType.ACTIVE_ONLY:
            query = query.where(models.c.lifecycle_stage == ACTIVE)
        elif view == ViewType.DELETED_ONLY:
            query = query.where(models.c.lifecycle_stage == DELETED)
        with self.engine.connect() as conn:
            return logged_models_from_rows(conn, conn.execute(query).all())

    def update(self, model_id: str, change: LoggedModelUpdate) -> LoggedModel:
        models = schema.logged_models
        with self.engine.begin() as conn:
            self._get(conn, model_id)
            values: dict[str, Any] = {"last_update_time": now_ms()}
            if change.status is not None:
                values["status"] = change.status.value
            if change.status_message is not None:
                values["status_message"] = change.status_message
            if change.lifecycle_stage is not None:
                values["lifecycle_stage"] = change.lifecycle_stage.value
            conn.execute(update(models).where(models.c.model_id == model_id).values(**values))
            if change.params:
                self._add_params(conn, model_id, change.params)
            if change.tags:
                self._upsert(
                    conn,
                    schema.logged_model_tags,
                    [{"model_id": model_id, "key": k, "value": v} for k, v in change.tags.items()],
                )
            return self._get(conn, model_id)

    def _add_params(self, conn: Connection, model_id: str, new: dict[str, str]) -> None:
        # Insert first, keeping what is there (another server may set the same param at
        # this moment), in key order (no deadlock between two servers), then compare.
        table = schema.logged_model_params
        conn.execute(
            self._insert_params,
            [{"model_id": model_id, "key": k, "value": v} for k, v in sorted(new.items())],
        )
        stored = conn.execute(
            select(table.c.key, table.c.value).where(
                table.c.model_id == model_id, table.c.key.in_(list(new))
            )
        )
        if any(new[row.key] != row.value for row in stored):
            raise Conflict("Params are immutable: a model param already has another value.")

    def delete_tag(self, model_id: str, key: str) -> LoggedModel:
        tags = schema.logged_model_tags
        with self.engine.begin() as conn:
            self._get(conn, model_id)
            deleted = conn.execute(
                delete(tags).where(tags.c.model_id == model_id, tags.c.key == key)
            )
            if deleted.rowcount == 0:
                raise NotFound("The logged model has no tag with that key.")
            return self._get(conn, model_id)

    def log_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        with self.engine.begin() as conn:
            lock_active_run(conn, run_id)  # not deleted for good before this commits
            model_ids = list({output.model_id for output in outputs})
            found = set(
                conn.execute(
                    select(schema.logged_models.c.model_id).where(
                        schema.logged_models.c.model_id.in_(model_ids)
                    )
                ).scalars()
            )
            if len(found) != len(model_ids):
                raise NotFound("No logged model with one of those ids.")
            self._upsert(
                conn,
                schema.logged_model_outputs,
                [{"run_id": run_id, "model_id": o.model_id, "step": o.step} for o in outputs],
            )

    def outputs(self, run_ids: Sequence[str]) -> dict[str, list[ModelOutput]]:
        table = schema.logged_model_outputs
        found: dict[str, list[ModelOutput]] = {run_id: [] for run_id in run_ids}
        with self.engine.connect() as conn:
            for start in range(0, len(run_ids), 500):
                chunk = list(run_ids[start : start + 500])
                query = (
                    select(table)
                    .where(table.c.run_id.in_(chunk))
                    .order_by(table.c.run_id, table.c.step, table.c.model_id)
                )
                for row in conn.execute(query):
                    found[row.run_id].append(ModelOutput(model_id=row.model_id, step=row.step))
        return found

    @staticmethod
    def delete_of_experiment(conn: Connection, experiment_id: int) -> None:
        """Remove an experiment's models for good (inside its permanent deletion)."""
        models = schema.logged_models
        ids = select(models.c.model_id).where(models.c.experiment_id == experiment_id)
        for table in (
            schema.logged_model_outputs,
            schema.logged_model_params,
            schema.logged_model_tags,
        ):
            conn.execute(delete(table).where(table.c.model_id.in_(ids)))
        conn.execute(delete(models).where(models.c.experiment_id == experiment_id))
