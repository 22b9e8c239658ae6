"""Metric points refer to a numbered series (run, key); covering indexes for searches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``metrics`` is rebuilt: ``(series_id, step, timestamp, value, is_nan)`` instead of the run id
and key in every point, and without a foreign key (checked once per batch by the store).
Existing points are copied over in one statement, so the upgrade takes about as long as
reading the table once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_POINT = '"step", "timestamp", "value", "is_nan"'


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "metric_series",
        sa.Column("series_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_metric_series_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", name=op.f("pk_metric_series")),
        sa.UniqueConstraint("run_id", "key", name=op.f("uq_metric_series_run_id_key")),
    )
    op.execute(
        'INSERT INTO metric_series ("run_id", "key") '
        'SELECT DISTINCT "run_id", "key" FROM metrics ORDER BY "run_id", "key"'
    )
    op.rename_table("metrics", "metrics_0003")
    if not _sqlite():  # the old primary key's name would clash with the new one's
        op.execute("ALTER TABLE metrics_0003 RENAME CONSTRAINT pk_metrics TO pk_metrics_0003")
    op.create_table(
        "metrics",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "series_id", "step", "timestamp", "value", "is_nan", name=op.f("pk_metrics")
        ),
        sqlite_with_rowid=False,
    )
    op.execute(
        f'INSERT INTO metrics ("series_id", {_POINT}) '
        'SELECT s.series_id, m.step, m."timestamp", m.value, m.is_nan FROM metrics_0003 m '
        'JOIN metric_series s ON s.run_id = m.run_id AND s."key" = m."key"'
    )
    op.drop_table("metrics_0003")

    op.drop_index(op.f("ix_latest_metrics_key_value"), table_name="latest_metrics")
    op.create_index(
        op.f("ix_latest_metrics_key_is_nan_value_run_id"),
        "latest_metrics",
        ["key", "is_nan", "value", "run_id"],
    )
    if _sqlite():
        op.create_index(op.f("ix_params_key_value_run_id"), "params", ["key", "value", "run_id"])


def downgrade() -> None:
    if _sqlite():
        op.drop_index(op.f("ix_params_key_value_run_id"), table_name="params")
    op.drop_index(op.f("ix_latest_metrics_key_is_nan_value_run_id"), table_name="latest_metrics")
    op.create_index(op.f("ix_latest_metrics_key_value"), "latest_metrics", ["key", "value"])

    op.rename_table("metrics", "metrics_0004")
    if not _sqlite():
        op.execute("ALTER TABLE metrics_0004 RENAME CONSTRAINT pk_metrics TO pk_metrics_0004")
    op.create_table(
        "metrics",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_metrics_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "key", "step", "timestamp", "value", "is_nan", name=op.f("pk_metrics")
        ),
        sqlite_with_rowid=False,
    )
    op.execute(
        f'INSERT INTO metrics ("run_id", "key", {_POINT}) '
        'SELECT s.run_id, s."key", m.step, m."timestamp", m.value, m.is_nan FROM metrics_0004 m '
        "JOIN metric_series s ON s.series_id = m.series_id"
    )
    op.drop_table("metrics_0004")
    op.drop_table("metric_series")
