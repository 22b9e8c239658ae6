"""The SQL tracking store, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import pytest

from jupyterlab_mlplatform.errors import Conflict, InvalidArgument, NotFound
from jupyterlab_mlplatform.tracking.models import (
    ExperimentCreate,
    ExperimentUpdate,
    LifecycleStage,
    LogBatch,
    MetricPoint,
    RunCreate,
    RunKeysQuery,
    RunStatus,
    RunUpdate,
    SearchRuns,
    ViewType,
)
from jupyterlab_mlplatform.tracking.store import SqlTrackingStore


def points(key: str, values: list[float], start: int = 0) -> list[MetricPoint]:
    return [
        MetricPoint(key=key, value=v, step=start + i, timestamp=1000 + start + i)
        for i, v in enumerate(values)
    ]


def test_experiment_lifecycle(mlp_store: SqlTrackingStore) -> None:
    # Given
    created = mlp_store.create_experiment(
        ExperimentCreate(name="iris", tags={"team": "a"}), user="ada"
    )
    # Then
    assert created.name == "iris"
    assert created.created_by == "ada"
    assert created.tags == {"team": "a"}
    assert created.artifact_location.endswith(f"/{created.experiment_id}")
    assert mlp_store.get_experiment_by_name("iris") == created
    with pytest.raises(Conflict):
        mlp_store.create_experiment(ExperimentCreate(name="iris"), user=None)
    # When renamed and tagged
    changed = mlp_store.update_experiment(
        created.experiment_id, ExperimentUpdate(name="iris-v2", tags={"stage": "dev"})
    )
    assert changed.name == "iris-v2"
    assert changed.tags == {"team": "a", "stage": "dev"}
    # When deleted, its runs are deleted with it, and restoring brings both back
    run = mlp_store.create_run(RunCreate(experiment_id=created.experiment_id), user="ada")
    mlp_store.delete_experiment(created.experiment_id)
    assert [e.name for e in mlp_store.list_experiments()] == ["Default"]  # MLflow's "0"
    assert [e.name for e in mlp_store.list_experiments(ViewType.DELETED_ONLY)] == ["iris-v2"]
    assert mlp_store.get_run(run.run_id).lifecycle_stage == LifecycleStage.DELETED
    with pytest.raises(Conflict):
        mlp_store.create_run(RunCreate(experiment_id=created.experiment_id), user=None)
    mlp_store.update_experiment(
        created.experiment_id, ExperimentUpdate(lifecycle_stage=LifecycleStage.ACTIVE)
    )
    assert mlp_store.get_run(run.run_id).lifecycle_stage == LifecycleStage.ACTIVE
    # When deleted for good
    mlp_store.delete_experiment(created.experiment_id, permanent=True)
    with pytest.raises(NotFound):
        mlp_store.get_experiment(created.experiment_id)
    with pytest.raises(NotFound):
        mlp_store.get_run(run.run_id)


@pytest.mark.parametrize("bad_id", ["abc", "-1", "99999999999", "1.5"])
def test_unknown_experiment_ids_are_not_found(mlp_store: SqlTrackingStore, bad_id: str) -> None:
    with pytest.raises(NotFound):
        mlp_store.get_experiment(bad_id)


def test_run_creation_and_update(mlp_store: SqlTrackingStore) -> None:
    # When a run names an experiment that does not exist, it is created
    run = mlp_store.create_run(
        RunCreate(
            experiment_name="mnist",
            name="first",
            params={"lr": "0.1"},
            tags={"note": "x"},
            source={"notebook_path": "nb/train.ipynb", "cell_id": "c1", "kernel_id": "k1"},
        ),
        user="grace",
    )
    assert run.status == RunStatus.RUNNING
    assert run.user == "grace"
    assert run.params == {"lr": "0.1"}
    assert run.tags == {"note": "x"}
    assert run.source.notebook_path == "nb/train.ipynb"
    assert run.artifact_uri.endswith(f"/{run.experiment_id}/{run.run_id}/artifacts")
    assert mlp_store.get_experiment_by_name("mnist") is not None
    # A run without a name gets a readable one; without an experiment it goes to Default
    other = mlp_store.create_run(RunCreate(), user=None)
    assert other.name.count("-") == 2
    assert mlp_store.get_experiment(other.experiment_id).name == "Default"
    assert other.experiment_id == "0"  # MLflow's default experiment
    # When finished, the end time is set
    done = mlp_store.update_run(run.run_id, RunUpdate(status=RunStatus.FINISHED, name="renamed"))
    assert done.status == RunStatus.FINISHED
    assert done.end_time is not None and done.end_time >= done.start_time
    assert done.name == "renamed"
    with pytest.raises(InvalidArgument):
        mlp_store.update_run(run.run_id, RunUpdate(end_time=done.start_time - 1))
    with pytest.raises(NotFound):
        mlp_store.get_run("nope")
    with pytest.raises(InvalidArgument):
        mlp_store.create_run(RunCreate(experiment_id="1", experiment_name="x"), user=None)


def test_log_batch_params_are_immutable_and_nothing_partial_is_written(
    mlp_store: SqlTrackingStore,
) -> None:
    run = mlp_store.create_run(RunCreate(params={"lr": "0.1"}), user=None)
    # Same value again is fine
    mlp_store.log_batch(run.run_id, LogBatch(params={"lr": "0.1", "depth": "3"}))
    # Another value is a conflict, and the metrics of that batch are not written either
    with pytest.raises(Conflict):
        mlp_store.log_batch(
            run.run_id, LogBatch(params={"lr": "0.2"}, metrics=points("loss", [1.0]))
        )
    stored = mlp_store.get_run(run.run_id)
    assert stored.params == {"lr": "0.1", "depth": "3"}
    assert stored.metrics == {}


def test_metric_history_latest_and_nan(mlp_store: SqlTrackingStore) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    mlp_store.log_batch(run.run_id, LogBatch(metrics=points("loss", [3.0, 2.0, math.nan])))
    # An older step logged later does not become the latest value
    mlp_store.log_batch(
        run.run_id, LogBatch(metrics=[MetricPoint(key="loss", value=9.0, step=1, timestamp=5)])
    )
    history = mlp_store.get_metric_history(run.run_id, "loss")
    assert history.steps == [0, 1, 1, 2]
    assert history.values[:3] == [3.0, 9.0, 2.0]
    assert math.isnan(history.values[3])
    latest = mlp_store.get_run(run.run_id).metrics["loss"]
    assert latest.step == 2 and math.isnan(latest.value)
    with pytest.raises(NotFound):
        mlp_store.get_metric_history(run.run_id, "missing")
    with pytest.raises(NotFound):
        mlp_store.get_metric_history("nope", "loss")


def test_metric_history_downsample_keeps_extremes(mlp_store: SqlTrackingStore) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    values = [float(i % 100) for i in range(5000)]
    values[1234] = 1e6  # a spike that striding would miss
    values[4321] = -1e6
    mlp_store.log_batch(run.run_id, LogBatch(metrics=points("acc", values)))
    sampled = mlp_store.get_metric_history(run.run_id, "acc", max_points=200)
    assert sampled.total == 5000 and sampled.downsampled
    assert len(sampled.steps) <= 200
    assert sampled.steps == sorted(sampled.steps)
    assert 1e6 in sampled.values and -1e6 in sampled.values
    assert sampled.steps[0] == 0 and sampled.steps[-1] == 4999


def test_batch_ids_make_retries_idempotent(mlp_store: SqlTrackingStore) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    batch = LogBatch(metrics=points("loss", [1.0, 2.0]), batch_id="b-1")
    assert mlp_store.log_batch(run.run_id, batch).applied
    assert not mlp_store.log_batch(run.run_id, batch).applied
    assert mlp_store.get_metric_history(run.run_id, "loss").total == 2


def test_latest_values_of_many_keys_in_one_batch(mlp_store: SqlTrackingStore) -> None:
    """The latest values are written in chunks of keys; each key keeps its newest point,
    and the outcome names the keys whose latest value changed."""
    run = mlp_store.create_run(RunCreate(), user=None)
    keys = [f"k{i:03}" for i in range(250)]
    batch = [p for key in keys for p in points(key, [1.0, 2.0, math.nan])]
    outcome = mlp_store.log_batch(run.run_id, LogBatch(metrics=batch))
    assert sorted(outcome.latest) == keys
    metrics = mlp_store.get_run(run.run_id).metrics
    assert sorted(metrics) == keys
    assert all(m.step == 2 and math.isnan(m.value) for m in metrics.values())
    older = LogBatch(metrics=[MetricPoint(key="k007", value=5.0, step=1, timestamp=1)])
    assert mlp_store.log_batch(run.run_id, older).latest == {}
    newer = LogBatch(metrics=[MetricPoint(key="k007", value=5.0, step=3, timestamp=1)])
    assert mlp_store.log_batch(run.run_id, newer).latest["k007"].value == 5.0


def test_a_batch_that_fails_leaves_no_series_behind(mlp_store: SqlTrackingStore) -> None:
    """A batch that numbers a new key and then fails rolls the number back; the next batch
    of that key numbers it again (the store keeps only numbers that were committed)."""
    run = mlp_store.create_run(RunCreate(), user=None)
    broken = LogBatch.model_construct(
        metrics=[{"key": "fresh", "value": object(), "step": 0, "timestamp": 1}],
        params={},
        tags={},
        batch_id=None,
    )
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error, whichever it is
        mlp_store.log_batch(run.run_id, broken)
    mlp_store.log_batch(run.run_id, LogBatch(metrics=points("fresh", [1.0, 2.0])))
    assert mlp_store.get_metric_history(run.run_id, "fresh").values == [1.0, 2.0]


def test_a_run_deleted_for_good_refuses_batches_of_its_keys(
    mlp_store: SqlTrackingStore,
) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    mlp_store.log_batch(run.run_id, LogBatch(metrics=points("loss", [1.0])))
    mlp_store.delete_run(run.run_id, permanent=True)
    with pytest.raises(NotFound):
        mlp_store.log_batch(run.run_id, LogBatch(metrics=points("loss", [2.0], start=1)))
    other = mlp_store.create_run(RunCreate(), user=None)
    mlp_store.log_batch(other.run_id, LogBatch(metrics=points("loss", [3.0])))
    assert mlp_store.get_metric_history(other.run_id, "loss").values == [3.0]


@pytest.mark.parametrize("mlp_store_uri", ["postgresql"], indirect=True)
def test_connections_dropped_by_the_database_are_replaced(
    mlp_store_uri: str, tmp_path: Any
) -> None:
    """A connection that sat idle is checked before use: one the server dropped (as a
    restarted PostgreSQL drops them all) is replaced, and the batch goes through."""
    from sqlalchemy import create_engine, text

    store = SqlTrackingStore(mlp_store_uri, str(tmp_path), pool_ping_after_idle=0.05)
    admin = create_engine(mlp_store_uri, isolation_level="AUTOCOMMIT")
    try:
        run = store.create_run(RunCreate(), user=None)
        store.log_batch(run.run_id, LogBatch(metrics=points("loss", [1.0])))
        with admin.connect() as conn:
            dropped = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert dropped >= 1
        time.sleep(0.2)
        store.log_batch(run.run_id, LogBatch(metrics=points("loss", [2.0], start=1)))
        assert store.get_metric_history(run.run_id, "loss").values == [1.0, 2.0]
    finally:
        admin.dispose()
        store.close()


def test_deleted_runs_refuse_logging_and_can_be_restored(mlp_store: SqlTrackingStore) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    mlp_store.delete_run(run.run_id)
    with pytest.raises(Conflict):
        mlp_store.log_batch(run.run_id, LogBatch(metrics=points("loss", [1.0])))
    assert mlp_store.search_runs(SearchRuns()).runs == []
    deleted = mlp_store.search_runs(SearchRuns(run_view_type=ViewType.DELETED_ONLY)).runs
    assert [r.run_id for r in deleted] == [run.run_id]
    mlp_store.update_run(run.run_id, RunUpdate(lifecycle_stage=LifecycleStage.ACTIVE))
    mlp_store.log_batch(run.run_id, LogBatch(metrics=points("loss", [1.0])))
    mlp_store.delete_run(run.run_id, permanent=True)
    with pytest.raises(NotFound):
        mlp_store.get_run(run.run_id)


def test_search_filters_sorts_and_pages(mlp_store: SqlTrackingStore) -> None:
    experiment = mlp_store.create_experiment(ExperimentCreate(name="grid"), user=None)
    ids: dict[str, str] = {}
    for i, model in enumerate(["rf", "svm", "rf", "knn", "rf"]):
        run = mlp_store.create_run(
            RunCreate(
                experiment_id=experiment.experiment_id, name=f"r{i}", params={"model": model}
            ),
            user=None,
        )
        mlp_store.log_batch(run.run_id, LogBatch(metrics=points("acc", [i / 10])))
        ids[f"r{i}"] = run.run_id
    query = SearchRuns(
        experiment_ids=[experiment.experiment_id],
        filter="metrics.acc > 0.05 and params.model = 'rf'",
        order_by=["metrics.acc DESC"],
    )
    found = [r.name for r in mlp_store.search_runs(query).runs]
    assert found == ["r4", "r2"]
    either = query.model_copy(update={"filter": "params.model = 'svm' OR metrics.acc >= 0.4"})
    assert [r.name for r in mlp_store.search_runs(either).runs] == ["r4", "r1"]
    # Paging walks every run exactly once
    seen: list[str] = []
    page_query = SearchRuns(
        experiment_ids=[experiment.experiment_id], max_results=2, order_by=["attributes.name ASC"]
    )
    while True:
        page = mlp_store.search_runs(page_query)
        seen += [r.name for r in page.runs]
        if not page.next_page_token:
            break
        page_query = page_query.model_copy(update={"page_token": page.next_page_token})
    assert seen == ["r0", "r1", "r2", "r3", "r4"]
    with pytest.raises(InvalidArgument):
        mlp_store.search_runs(SearchRuns(filter="metrics.acc >"))


def test_run_keys_are_distinct_sorted_and_scoped(mlp_store: SqlTrackingStore) -> None:
    # Given two experiments, and a deleted run in the first
    a = mlp_store.create_experiment(ExperimentCreate(name="a"), user=None).experiment_id
    b = mlp_store.create_experiment(ExperimentCreate(name="b"), user=None).experiment_id

    def run(experiment_id: str, params: list[str], metrics: list[str], tags: list[str]) -> str:
        created = mlp_store.create_run(
            RunCreate(
                experiment_id=experiment_id,
                params={k: "1" for k in params},
                tags={k: "x" for k in tags},
            ),
            user=None,
        )
        if metrics:
            batch = LogBatch(metrics=[MetricPoint(key=k, value=1.0) for k in metrics])
            mlp_store.log_batch(created.run_id, batch)
        return created.run_id

    run(a, ["lr", "Zeta"], ["loss", "acc"], ["note"])
    run(a, ["lr", "depth"], ["val/loss", "loss"], [])
    run(b, ["lr", "other"], ["b_metric"], ["b_tag"])
    gone = run(a, ["gone"], ["gone_metric"], ["gone_tag"])
    mlp_store.delete_run(gone)
    # When / Then: distinct, in code point order, only the active runs of the experiment
    keys = mlp_store.list_run_keys(RunKeysQuery(experiment_ids=[a]))
    assert keys.params == ["Zeta", "depth", "lr"]
    assert keys.metrics == ["acc", "loss", "val/loss"]
    assert keys.tags == ["note"]
    deleted = mlp_store.list_run_keys(
        RunKeysQuery(experiment_ids=[a], run_view_type=ViewType.DELETED_ONLY)
    )
    assert (deleted.params, deleted.metrics, deleted.tags) == (
        ["gone"],
        ["gone_metric"],
        ["gone_tag"],
    )
    every = mlp_store.list_run_keys(RunKeysQuery(experiment_ids=[a], run_view_type=ViewType.ALL))
    assert every.params == ["Zeta", "depth", "gone", "lr"]
    # No experiment ids: every active experiment, as in a search
    both = mlp_store.list_run_keys(RunKeysQuery())
    assert both.params == ["Zeta", "depth", "lr", "other"]
    assert both.tags == ["b_tag", "note"]
    mlp_store.delete_experiment(b)
    assert mlp_store.list_run_keys(RunKeysQuery()).params == ["Zeta", "depth", "lr"]
    assert mlp_store.list_run_keys(RunKeysQuery(experiment_ids=["12345"])).params == []
    with pytest.raises(NotFound):
        mlp_store.list_run_keys(RunKeysQuery(experiment_ids=["not-a-number"]))


def test_find_metric_series(mlp_store: SqlTrackingStore) -> None:
    first = mlp_store.create_run(RunCreate(), user=None).run_id
    second = mlp_store.create_run(RunCreate(), user=None).run_id
    mlp_store.log_batch(first, LogBatch(metrics=points("loss", [1.0]) + points("acc", [0.5])))
    mlp_store.log_batch(second, LogBatch(metrics=points("acc", [0.7])))
    mlp_store.delete_run(second)
    # In the order asked, pairs without points left out, deleted runs included
    found = mlp_store.find_metric_series([second, first], ["loss", "acc", "none"])
    assert found == [(second, "acc"), (first, "loss"), (first, "acc")]
    with pytest.raises(NotFound):
        mlp_store.find_metric_series([first, "0123456789abcdef"], ["loss"])


def test_concurrent_writers_lose_nothing(mlp_store: SqlTrackingStore) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                mlp_store.log_batch(
                    run.run_id,
                    LogBatch(
                        metrics=points(f"w{n}", [float(i)] * 4, start=i * 4),
                        params={f"p{n}-{i}": "v"},
                    ),
                )
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = mlp_store.get_run(run.run_id)
    assert len(stored.params) == 8 * 25
    for n in range(8):
        assert mlp_store.get_metric_history(run.run_id, f"w{n}").total == 100
        assert stored.metrics[f"w{n}"].step == 99


def test_migrations_match_the_schema(mlp_store_uri: str, tmp_path: Any) -> None:
    """The Alembic head creates exactly the tables and columns that schema.py declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from jupyterlab_mlplatform.tracking.store.schema import metadata

    store = SqlTrackingStore(mlp_store_uri, str(tmp_path))

    def on_this_dialect(item: Any, name: str | None, kind: str, *_: Any) -> bool:
        # Indexes declared for one dialect only (ddl_if) exist only there.
        only = item.info.get("only_dialect") if kind == "index" else None
        return only is None or only == store.dialect

    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": on_this_dialect})
            diff = compare_metadata(context, metadata)
    finally:
        store.close()
    assert diff == []


def test_an_identical_point_is_stored_once(mlp_store: SqlTrackingStore) -> None:
    """As in MLflow: the same key, step, timestamp and value twice is one point."""
    run = mlp_store.create_run(RunCreate(), user=None)
    point = MetricPoint(key="loss", value=0.5, step=3, timestamp=1234)
    mlp_store.log_batch(run.run_id, LogBatch(metrics=[point, point]))
    mlp_store.log_batch(run.run_id, LogBatch(metrics=[point]))
    other_value = MetricPoint(key="loss", value=0.7, step=3, timestamp=1234)
    mlp_store.log_batch(run.run_id, LogBatch(metrics=[other_value]))
    history = mlp_store.get_metric_history(run.run_id, "loss")
    assert history.total == 2 and history.values == [0.5, 0.7]


def test_the_metric_series_migration_keeps_every_point(mlp_store_uri: str, tmp_path: Any) -> None:
    """0004 moves the points to numbered series: down to 0003 and up again, every point of
    every run and key (NaN and equal steps included) reads back the same."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from jupyterlab_mlplatform.tracking.store.migrate import alembic_config

    # Given two runs with points, at the head revision
    store = SqlTrackingStore(mlp_store_uri, str(tmp_path))
    runs = [store.create_run(RunCreate(), user=None).run_id for _ in range(2)]
    for n, run_id in enumerate(runs):
        store.log_batch(
            run_id,
            LogBatch(
                metrics=points("loss", [1.0, math.nan, 0.5 + n, 0.25])
                + points("acc", [0.5, 0.75])
                + [MetricPoint(key="acc", value=0.8, step=1, timestamp=5)]
            ),
        )
    before = {
        (run_id, key): store.get_metric_history(run_id, key).model_dump_json()
        for run_id in runs
        for key in ("loss", "acc")
    }
    store.close()

    # When it goes down to 0003, the points are back in the old table, one row each
    engine = create_engine(mlp_store_uri)
    try:
        command.downgrade(alembic_config(engine), "0003")
        with engine.connect() as conn:
            counts = dict(
                conn.execute(text("SELECT run_id, COUNT(*) FROM metrics GROUP BY run_id")).all()
            )
    finally:
        engine.dispose()
    assert counts == {run_id: 7 for run_id in runs}

    # Then opening the store migrates them up again, unchanged, and logging goes on
    store = SqlTrackingStore(mlp_store_uri, str(tmp_path))
    try:
        after = {
            (run_id, key): store.get_metric_history(run_id, key).model_dump_json()
            for run_id in runs
            for key in ("loss", "acc")
        }
        assert after == before
        store.log_batch(runs[0], LogBatch(metrics=points("loss", [0.1], start=10)))
        assert store.get_metric_history(runs[0], "loss").total == 5
        assert store.get_metric_history(runs[1], "loss").total == 4
    finally:
        store.close()


def test_the_head_revision_constant_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from jupyterlab_mlplatform.tracking.store import migrate

    script = ScriptDirectory(str(migrate.MIGRATIONS))
    assert script.get_current_head() == migrate.HEAD_REVISION


OPEN_STORE = """
import sys
from jupyterlab_mlplatform.tracking.models import RunCreate
from jupyterlab_mlplatform.tracking.store import SqlTrackingStore

store = SqlTrackingStore(sys.argv[1], sys.argv[2])
print(store.create_run(RunCreate(experiment_name="race"), user=None).run_id)
store.close()
"""


def test_servers_opening_a_new_database_at_once_all_start(
    mlp_store_uri: str, tmp_path: Any
) -> None:
    """Server processes migrating the same fresh database race; every one must come up."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", OPEN_STORE, mlp_store_uri, str(tmp_path)]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [err for _, err in results]
    assert len({out.strip() for out, _ in results}) == 4
