"""Alembic environment: runs on the engine that the tracking store hands over.

Servers opening the same new database at once must not both migrate it: the migration runs
under a database-wide lock (SQLite ``BEGIN EXCLUSIVE``, a PostgreSQL advisory lock), so the
second server waits and then finds the schema current.
"""

from __future__ import annotations

from alembic import context

from jupyterlab_mlplatform.tracking.store.schema import metadata

MIGRATION_LOCK = 0x6D6C70  # "mlp": the PostgreSQL advisory lock key of schema migrations

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "sqlite":
        # pysqlite opens no transaction before DDL by itself; this one holds the write lock.
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
