"""Experiments in the SQL store: create, read, rename, delete and restore, their tags, and
MLflow's default experiment (id 0).

MLflow's default experiment: the migration to 0006 makes ``Default`` experiment 0, and
creating ``Default`` again (after it was deleted for good) takes 0 back.

Deleting an experiment for good deletes its runs' data too, with the store's
``_delete_run_data``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ...constants import DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME
from ...errors import Conflict, NotFound
from ..models import Experiment, ExperimentCreate, ExperimentUpdate, LifecycleStage, ViewType
from . import schema
from .sql_logged_models import SqlLoggedModels
from .sql_rows import ACTIVE, DELETED, experiment_number, experiments_from_rows, now_ms

Upsert = Callable[[Connection, Table, list[dict[str, Any]]], None]
DeleteRunData = Callable[[Connection, Any], None]


class SqlExperiments:
    """The experiments' part of :class:`.sql.SqlTrackingStore`."""

    def __init__(
        self, engine: Engine, upsert: Upsert, artifact_root: str, delete_run_data: DeleteRunData
    ) -> None:
        self.engine = engine
        self._upsert = upsert
        self.artifact_root = artifact_root
        self._delete_run_data = delete_run_data

    def locate_default(self) -> None:
        """Give MLflow's default experiment 0, which the schema migration creates, its
        artifact location (the migration does not know the artifact root)."""
        experiments = schema.experiments
        with self.engine.begin() as conn:
            conn.execute(
                update(experiments)
                .where(
                    experiments.c.experiment_id == DEFAULT_EXPERIMENT_ID,
                    experiments.c.artifact_location == "",
                )
                .values(artifact_location=f"{self.artifact_root}/{DEFAULT_EXPERIMENT_ID}")
            )

    def get_in(self, conn: Connection, experiment_id: int) -> Experiment:
        row = conn.execute(
            select(schema.experiments).where(schema.experiments.c.experiment_id == experiment_id)
        ).first()
        if row is None:
            raise NotFound("No experiment with that id.")
        return experiments_from_rows(conn, [row])[0]

    def insert(self, conn: Connection, spec: ExperimentCreate, user: str | None) -> int:
        now = now_ms()
        fixed_id: dict[str, int] = {}
        if (
            spec.name == DEFAULT_EXPERIMENT_NAME
            and not conn.execute(
                select(schema.experiments.c.experiment_id).where(
                    schema.experiments.c.experiment_id == DEFAULT_EXPERIMENT_ID
                )
            ).first()
        ):
            fixed_id["experiment_id"] = DEFAULT_EXPERIMENT_ID
        try:
            with conn.begin_nested():
                result = conn.execute(
                    insert(schema.experiments).values(
                        **fixed_id,
                        name=spec.name,
                        description=spec.description,
                        artifact_location="",
                        lifecycle_stage=ACTIVE,
                        creation_time=now,
                        last_update_time=now,
                        created_by=user,
                    )
                )
        except IntegrityError:
            raise Conflict("An experiment with that name exists already.") from None
        assert result.inserted_primary_key is not None
        experiment_id = int(result.inserted_primary_key[0])
        location = f"{self.artifact_root}/{experiment_id}"
        if conn.execute(
            select(schema.experiments.c.experiment_id).where(
                schema.experiments.c.artifact_location == location
            )
        ).first():
            # Taken by the Default that 0006 moved to 0 (SQLite hands its old id out again)
            location = f"{location}-{uuid.uuid4().hex[:8]}"
        conn.execute(
            update(schema.experiments)
            .where(schema.experiments.c.experiment_id == experiment_id)
            .values(artifact_location=location)
        )
        if spec.tags:
            conn.execute(
                insert(schema.experiment_tags),
                [
                    {"experiment_id": experiment_id, "key": k, "value": v}
                    for k, v in spec.tags.items()
                ],
            )
        return experiment_id

    def create(self, spec: ExperimentCreate, user: str | None) -> Experiment:
        with self.engine.begin() as conn:
            experiment_id = self.insert(conn, spec, user)
            return self.get_in(conn, experiment_id)

    def get(self, experiment_id: str) -> Experiment:
        with self.engine.connect() as conn:
            return self.get_in(conn, experiment_number(experiment_id))

    def by_name(self, name: str) -> Experiment | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(schema.experiments).where(schema.experiments.c.name == name)
            ).first()
            return None if row is None else experiments_from_rows(conn, [row])[0]

    def in_view(self, view: ViewType = ViewType.ACTIVE_ONLY) -> list[Experiment]:
        query = select(schema.experiments).order_by(schema.experiments.c.experiment_id)
        if view == ViewType.ACTIVE_ONLY:
            query = query.where(schema.experiments.c.lifecycle_stage == ACTIVE)
        elif view == ViewType.DELETED_ONLY:
            query = query.where(schema.experiments.c.lifecycle_stage == DELETED)
        with self.engine.connect() as conn:
            return experiments_from_rows(conn, conn.execute(query).all())

    def update(self, experiment_id: str, change: ExperimentUpdate) -> Experiment:
        eid = experiment_number(experiment_id)
        with self.engine.begin() as conn:
            current = self.get_in(conn, eid)
            values: dict[str, Any] = {"last_update_time": now_ms()}
            if change.name is not None:
                values["name"] = change.name
            if change.description is not None:
                values["description"] = change.description
            if change.lifecycle_stage is not None:
                values["lifecycle_stage"] = change.lifecycle_stage.value
            try:
                with conn.begin_nested():
                    conn.execute(
                        update(schema.experiments)
                        .where(schema.experiments.c.experiment_id == eid)
                        .values(**values)
                    )
            except IntegrityError:
                raise Conflict("An experiment with that name exists already.") from None
            if change.lifecycle_stage == LifecycleStage.ACTIVE and (
                current.lifecycle_stage == LifecycleStage.DELETED
            ):
                conn.execute(
                    update(schema.runs)
                    .where(schema.runs.c.experiment_id == eid)
                    .values(lifecycle_stage=ACTIVE, deleted_time=None)
                )
            if change.tags:
                self._upsert(
                    conn,
                    schema.experiment_tags,
                    [{"experiment_id": eid, "key": k, "value": v} for k, v in change.tags.items()],
                )
            return self.get_in(conn, eid)

    def delete(self, experiment_id: str, permanent: bool = False) -> Experiment:
        eid = experiment_number(experiment_id)
        with self.engine.begin() as conn:
            experiment = self.get_in(conn, eid)
            if permanent:
                run_ids = select(schema.runs.c.run_id).where(schema.runs.c.experiment_id == eid)
                self._delete_run_data(conn, run_ids)
                SqlLoggedModels.delete_of_experiment(conn, eid)
                conn.execute(delete(schema.runs).where(schema.runs.c.experiment_id == eid))
                conn.execute(
                    delete(schema.experiment_tags).where(
                        schema.experiment_tags.c.experiment_id == eid
                    )
                )
                conn.execute(
                    delete(schema.experiments).where(schema.experiments.c.experiment_id == eid)
                )
                return experiment.model_copy(update={"lifecycle_stage": LifecycleStage.DELETED})
            now = now_ms()
            conn.execute(
                update(schema.experiments)
                .where(schema.experiments.c.experiment_id == eid)
                .values(lifecycle_stage=DELETED, last_update_time=now)
            )
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.experiment_id == eid, schema.runs.c.lifecycle_stage == ACTIVE)
                .values(lifecycle_stage=DELETED, deleted_time=now)
            )
            return self.get_in(conn, eid)

    def delete_tag(self, experiment_id: str, key: str) -> Experiment:
        eid = experiment_number(experiment_id)
        tags = schema.experiment_tags
        with self.engine.begin() as conn:
            self.get_in(conn, eid)
            deleted = conn.execute(
                delete(tags).where(tags.c.experiment_id == eid, tags.c.key == key)
            )
            if deleted.rowcount == 0:
                raise NotFound("The experiment has no tag with that key.")
            conn.execute(
                update(schema.experiments)
                .where(schema.experiments.c.experiment_id == eid)
                .values(last_update_time=now_ms())
            )
            return self.get_in(conn, eid)
