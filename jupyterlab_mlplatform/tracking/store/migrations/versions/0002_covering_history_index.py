"""Serve metric histories from a covering index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_metrics_history",
        "metrics",
        ["run_id", "key", "step", "timestamp", "value", "is_nan"],
    )
    op.drop_index(op.f("ix_metrics_run_id_key_step_timestamp"), table_name="metrics")


def downgrade() -> None:
    op.create_index(
        op.f("ix_metrics_run_id_key_step_timestamp"),
        "metrics",
        ["run_id", "key", "step", "timestamp"],
    )
    op.drop_index("ix_metrics_history", table_name="metrics")
