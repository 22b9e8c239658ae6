"""MLflow's default experiment is experiment 0; run inputs and logged models' metrics.

- The experiment named ``Default`` becomes experiment ``0``, MLflow's default, which every
  MLflow client expects to exist from the start.  A store that made its ``Default`` on first
  use under another id has it moved to 0, with its runs, tags and models (their stored
  artifact locations do not change, so no file moves); a store without one gets an empty
  one.  Its artifact location is filled in by the store when it opens (the migration does
  not know the artifact root).
- ``run_dataset_inputs`` and ``run_model_inputs``: what ``runs/log-inputs`` records.
- ``logged_model_metrics``: metrics logged with a ``model_id``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DEFAULT_NAME = "Default"
"""``constants.DEFAULT_EXPERIMENT_NAME`` as it was at this revision: a migration keeps its own
copy, so that a later change of the constant does not rewrite history."""


def _default_experiment_is_zero() -> None:
    conn = op.get_bind()
    experiments = sa.table(
        "experiments",
        sa.column("experiment_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("description", sa.Text),
        sa.column("artifact_location", sa.Text),
        sa.column("lifecycle_stage", sa.String),
        sa.column("creation_time", sa.BigInteger),
        sa.column("last_update_time", sa.BigInteger),
        sa.column("created_by", sa.String),
    )
    if conn.execute(
        sa.select(experiments.c.experiment_id).where(experiments.c.experiment_id == 0)
    ).first():
        return
    existing = conn.execute(
        sa.select(experiments).where(experiments.c.name == DEFAULT_NAME)
    ).first()
    if existing is None:
        now = int(time.time() * 1000)
        conn.execute(
            sa.insert(experiments).values(
                experiment_id=0,
                name=DEFAULT_NAME,
                artifact_location="",
                lifecycle_stage="active",
                creation_time=now,
                last_update_time=now,
            )
        )
        return
    old = existing.experiment_id
    # A new row 0 under a temporary name, the children moved to it, the old row removed,
    # then the name taken back: every foreign key holds at every step.
    values = dict(existing._mapping)
    values.update(experiment_id=0, name=f"{DEFAULT_NAME} (moving to 0)")
    conn.execute(sa.insert(experiments).values(**values))
    for table in ("experiment_tags", "runs", "logged_models"):
        child = sa.table(table, sa.column("experiment_id", sa.Integer))
        conn.execute(sa.update(child).where(child.c.experiment_id == old).values(experiment_id=0))
    conn.execute(sa.delete(experiments).where(experiments.c.experiment_id == old))
    conn.execute(
        sa.update(experiments).where(experiments.c.experiment_id == 0).values(name=DEFAULT_NAME)
    )


def upgrade() -> None:
    _default_experiment_is_zero()
    op.create_table(
        "logged_model_metrics",
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("dataset_name", sa.String(length=500), nullable=True),
        sa.Column("dataset_digest", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["logged_models.model_id"],
            name=op.f("fk_logged_model_metrics_model_id_logged_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "model_id", "key", "step", "timestamp", "run_id", name=op.f("pk_logged_model_metrics")
        ),
    )
    op.create_table(
        "run_dataset_inputs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=36), nullable=False),
        sa.Column("source_type", sa.String(length=36), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("dataset_schema", sa.Text(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_run_dataset_inputs_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "name", "digest", name=op.f("pk_run_dataset_inputs")),
    )
    op.create_table(
        "run_model_inputs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_run_model_inputs_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "model_id", name=op.f("pk_run_model_inputs")),
    )


def downgrade() -> None:
    op.drop_table("run_model_inputs")
    op.drop_table("run_dataset_inputs")
    op.drop_table("logged_model_metrics")
