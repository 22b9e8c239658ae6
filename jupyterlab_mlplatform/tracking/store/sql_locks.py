"""What two servers on one database serialize, with the database's own locks.

Inside one server the service's single writer thread orders the writes.  Two servers on one
database (a team's JupyterHub) each have theirs, so a read-modify-write of the store must
hold a lock that the database itself keeps until the transaction ends:

- PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` on the run's row.  It waits for the other
  server's lock and, in READ COMMITTED, every later statement of the transaction reads
  what that server committed.  It does not conflict with the ``FOR KEY SHARE`` lock a log
  batch takes on its run, so metrics keep flowing meanwhile.
- SQLite: a write first (``UPDATE runs SET status = status``), which takes the database's
  write lock before anything is read (waiting up to the busy timeout); the reads after it
  see the other process's commit.

And :func:`ping_idle_connections`: which pooled connections are checked before use (a
restarted PostgreSQL drops them all).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, event, select, update
from sqlalchemy.exc import DisconnectionError

from ... import bounded_json
from ...errors import Conflict, NotFound
from ..models import LogBatch
from . import schema
from .base import BatchOutcome
from .sql_rows import ACTIVE

Upsert = Callable[[Connection, Table, list[dict[str, Any]]], None]

_runs = schema.runs
_LOCK_RUN_POSTGRESQL = (
    select(_runs.c.experiment_id, _runs.c.lifecycle_stage)
    .where(_runs.c.run_id == bindparam("run_id"))
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE
)
_TAKE_WRITE_LOCK_SQLITE = (
    update(_runs).where(_runs.c.run_id == bindparam("locked_run")).values(status=_runs.c.status)
)
_RUN_STATE = select(_runs.c.experiment_id, _runs.c.lifecycle_stage).where(
    _runs.c.run_id == bindparam("run_id")
)


def lock_run(conn: Connection, run_id: str) -> Any:
    """Lock the run's row until the transaction ends (the first statement of a
    transaction that reads what it then changes); its experiment id and lifecycle stage,
    or None when there is no such run."""
    if conn.dialect.name == "postgresql":
        return conn.execute(_LOCK_RUN_POSTGRESQL, {"run_id": run_id}).first()
    conn.execute(_TAKE_WRITE_LOCK_SQLITE, {"locked_run": run_id})
    return conn.execute(_RUN_STATE, {"run_id": run_id}).first()


def lock_active_run(conn: Connection, run_id: str) -> str:
    """Lock the run's row until the transaction ends; its experiment id.  ``NotFound`` or
    ``Conflict`` (deleted) as a log batch would raise them."""
    row = lock_run(conn, run_id)
    if row is None:
        raise NotFound("No run with that id.")
    if row.lifecycle_stage != ACTIVE:
        raise Conflict("The run is deleted; restore it to log to it.")
    return str(row.experiment_id)


def share_experiment(conn: Connection, condition: ColumnElement[bool]) -> Any:
    """The experiment ``condition`` selects (its id and lifecycle stage, or None), kept as
    it is until the transaction ends: what adds to an experiment (a run, a restored run, a
    model) while another server deletes it then either comes first (and is deleted with
    it) or finds it deleted.  PostgreSQL: ``FOR SHARE``, which waits for a deletion in
    progress.  SQLite: the write lock first, as :func:`lock_run`."""
    experiments = schema.experiments
    query = select(experiments.c.experiment_id, experiments.c.lifecycle_stage).where(condition)
    if conn.dialect.name == "postgresql":
        return conn.execute(query.with_for_update(read=True)).first()
    conn.execute(
        update(experiments).where(condition).values(lifecycle_stage=experiments.c.lifecycle_stage)
    )
    return conn.execute(query).first()


def update_list_tag(
    conn: Connection,
    upsert: Upsert,
    run_id: str,
    key: str,
    change: Callable[[list[Any]], list[Any]],
) -> BatchOutcome:
    """Set the run's JSON-list tag ``key`` to ``change(its list)`` under the run's lock: two
    servers appending at once each build on the other's entry."""
    experiment_id = lock_active_run(conn, run_id)
    tags = schema.tags
    raw = conn.execute(
        select(tags.c.value).where(tags.c.run_id == run_id, tags.c.key == key)
    ).scalar()
    try:
        current = bounded_json.loads(raw) if raw is not None else []
    except ValueError:  # not JSON, or nested deeper than the bounded parser reads
        current = []
    value = json.dumps(change(current if isinstance(current, list) else []))
    batch = LogBatch(tags={key: value})  # the tag's own limits
    upsert(conn, tags, [{"run_id": run_id, "key": key, "value": batch.tags[key]}])
    return BatchOutcome(True, experiment_id, {}, 0)


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """SQLAlchemy's pessimistic disconnect check (``pool_pre_ping``), but only for
    connections idle for longer than ``idle_seconds``: a restarted database server drops
    idle connections, and a connection used a moment ago is very likely alive, so a busy
    server saves a round trip per transaction.  A dead connection is replaced by a new
    one before the transaction starts (the pool retries on ``DisconnectionError``)."""

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) <= idle_seconds:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()
        except Exception as e:
            raise DisconnectionError(f"idle connection lost: {e}") from e
