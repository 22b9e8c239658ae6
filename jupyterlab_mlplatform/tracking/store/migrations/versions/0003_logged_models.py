"""Logged models (MLflow 3): the models, their params and tags, and the runs that output them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _model_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["model_id"],
        ["logged_models.model_id"],
        name=op.f(f"fk_{table}_model_id_logged_models"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("source_run_id", sa.String(length=32), nullable=True),
        sa.Column("model_type", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("lifecycle_stage", sa.String(length=32), server_default="active", nullable=False),
        sa.Column("creation_time", sa.BigInteger(), nullable=False),
        sa.Column("last_update_time", sa.BigInteger(), nullable=False),
        sa.Column("artifact_location", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name=op.f("fk_logged_models_experiment_id_experiments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_logged_models")),
    )
    op.create_index(
        op.f("ix_logged_models_experiment_id_creation_time"),
        "logged_models",
        ["experiment_id", "creation_time"],
    )
    for table in ("logged_model_params", "logged_model_tags"):
        op.create_table(
            table,
            sa.Column("model_id", sa.String(length=64), nullable=False),
            sa.Column("key", sa.String(length=250), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            _model_fk(table),
            sa.PrimaryKeyConstraint("model_id", "key", name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "logged_model_outputs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_logged_model_outputs_run_id_runs"),
            ondelete="CASCADE",
        ),
        _model_fk("logged_model_outputs"),
        sa.PrimaryKeyConstraint("run_id", "model_id", name=op.f("pk_logged_model_outputs")),
    )
    op.create_index(op.f("ix_logged_model_outputs_model_id"), "logged_model_outputs", ["model_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_logged_model_outputs_model_id"), table_name="logged_model_outputs")
    op.drop_table("logged_model_outputs")
    op.drop_table("logged_model_tags")
    op.drop_table("logged_model_params")
    op.drop_index(op.f("ix_logged_models_experiment_id_creation_time"), table_name="logged_models")
    op.drop_table("logged_models")
