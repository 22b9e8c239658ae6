"""SQL tables of the tracking store (SQLAlchemy Core).

The tables are the single source of truth for the schema: Alembic migrations under
``migrations/`` are checked against this metadata by the test suite.  Rows never leave
the store package: :mod:`.sql` converts them to the wire models in :mod:`..models`.

Times are integers in milliseconds since the epoch, as in MLflow.  Metric values that are
NaN are stored as ``value = 0, is_nan = true`` because SQLite turns NaN into NULL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

KEY_LENGTH = 250
"""Longest param, metric or tag key (MLflow's limit)."""

# Param and tag values are indexed by key only: values can be up to 8,000 characters, over
# PostgreSQL's b-tree entry limit, and a key's values are few enough to scan.

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("artifact_location", Text, nullable=False),
    Column("lifecycle_stage", String(32), nullable=False, server_default="active"),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
    Column("created_by", String(256), nullable=True),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(250), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=True),
    Column("user", String(256), nullable=True),
    Column("lifecycle_stage", String(32), nullable=False, server_default="active"),
    Column("deleted_time", BigInteger, nullable=True),
    Column("artifact_uri", Text, nullable=False),
    Column("source_notebook", Text, nullable=True),
    Column("source_cell_id", String(256), nullable=True),
    Column("source_cell_index", Integer, nullable=True),
    Column("source_kernel_id", String(64), nullable=True),
    Index(None, "experiment_id", "start_time"),
)

params = Table(
    "params",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
    Index(None, "key"),
    # On SQLite only: a search's ``params.k = 'v'`` is then a range of one covering index,
    # and the planner can tell how selective it is.  PostgreSQL can't index values this long
    # (its b-tree entries are capped at about 2.7 kB) and plans from its own statistics.
    Index(None, "key", "value", "run_id", info={"only_dialect": "sqlite"}).ddl_if(dialect="sqlite"),
)

tags = Table(
    "tags",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
    Index(None, "key"),
)

metric_series = Table(
    "metric_series",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("key", String(KEY_LENGTH), nullable=False),
    UniqueConstraint("run_id", "key"),
)
"""One row per run and metric key: metric points refer to their series by its number."""

metrics = Table(
    "metrics",
    metadata,
    Column("series_id", Integer, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False, server_default="0"),
    # The whole point is the key (as in MLflow: logging the same point twice stores it once),
    # and on SQLite the table is clustered on it (WITHOUT ROWID): a history read is one range
    # scan, and an insert writes one b-tree instead of a table and an index.  The series is
    # a number, not the run id and key: each point is half as wide, and an insert compares
    # an integer instead of two strings at every level of the tree.  There is no foreign key
    # either: it would look the series up once per point, and the store checks the run once
    # per batch and deletes a run's points itself.
    PrimaryKeyConstraint("series_id", "step", "timestamp", "value", "is_nan"),
    sqlite_with_rowid=False,
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False, server_default="0"),
    # Covers a search's ``metrics.k > x`` (``is_nan`` is always part of it): a range of the
    # index alone, without a lookup into the table for each run.
    Index(None, "key", "is_nan", "value", "run_id"),
)

log_batches = Table(
    "log_batches",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("created", BigInteger, nullable=False),
)
"""Ids of the log batches already applied, so that a client's retry is written once."""

metric_rollups = Table(
    "metric_rollups",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("key", String(KEY_LENGTH), nullable=False),
    Column("chunk", Integer, nullable=False),
    Column("block_size", Integer, nullable=False),
    Column("blocks", LargeBinary, nullable=False),
    PrimaryKeyConstraint("run_id", "key", "chunk"),
)
"""The first, last, lowest and highest point of each block of a long metric history, packed
(see :mod:`.sql_rollups`): downsampled reads combine blocks instead of reading every point."""

# -- logged models (MLflow 3's LoggedModel: a model with an id of its own, outside any run) --

logged_models = Table(
    "logged_models",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    # The run that produced the model, if any: no foreign key, a model outlives its run.
    Column("source_run_id", String(32), nullable=True),
    Column("model_type", String(500), nullable=True),
    Column("status", String(16), nullable=False),
    Column("status_message", Text, nullable=True),
    Column("lifecycle_stage", String(32), nullable=False, server_default="active"),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
    Column("artifact_location", Text, nullable=False),
    Column("created_by", String(256), nullable=True),
    Index(None, "experiment_id", "creation_time"),
)


def _model_fk() -> ForeignKey:
    return ForeignKey("logged_models.model_id", ondelete="CASCADE")


logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column("model_id", String(64), _model_fk(), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
)

logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column("model_id", String(64), _model_fk(), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
)

logged_model_outputs = Table(
    "logged_model_outputs",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("model_id", String(64), _model_fk(), primary_key=True),
    Column("step", BigInteger, nullable=False),
    Index(None, "model_id"),
)
"""Models a run declares as its outputs (MLflow's ``runs/outputs``), at a training step."""

logged_model_metrics = Table(
    "logged_model_metrics",
    metadata,
    Column("model_id", String(64), _model_fk(), nullable=False),
    Column("key", String(KEY_LENGTH), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    # The run that logged the point: no foreign key, a model outlives its run
    Column("run_id", String(32), nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False, server_default="0"),
    Column("dataset_name", String(500), nullable=True),
    Column("dataset_digest", String(36), nullable=True),
    PrimaryKeyConstraint("model_id", "key", "step", "timestamp", "run_id"),
)
"""Metrics logged with a ``model_id`` (MLflow 3): a model's own copy of the run's points, with
the dataset they were measured on."""

# -- run inputs (MLflow's ``runs/log-inputs``) --------------------------------------------------

run_dataset_inputs = Table(
    "run_dataset_inputs",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", String(36), nullable=False),
    Column("source", Text, nullable=False),
    Column("dataset_schema", Text, nullable=True),
    Column("profile", Text, nullable=True),
    # The input's tags (``mlflow.data.context``...), as a JSON object
    Column("tags", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "name", "digest"),
)
"""Datasets a run used: logging the same one again replaces its tags."""

run_model_inputs = Table(
    "run_model_inputs",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("model_id", String(64), nullable=False),
    PrimaryKeyConstraint("run_id", "model_id"),
)
"""Logged models a run used (no foreign key: the model may be deleted later)."""
