"""What the MLflow API needs of the SQL store, on SQLite and on a real PostgreSQL server:
logged models, run outputs and inputs, models' metrics, deleting single tags, and MLflow's
default experiment 0."""

from __future__ import annotations

import math
from typing import Any

import pytest

from jupyterlab_mlplatform.errors import Conflict, NotFound
from jupyterlab_mlplatform.tracking.models import (
    DatasetInput,
    ExperimentCreate,
    LifecycleStage,
    LoggedModelCreate,
    LoggedModelStatus,
    LoggedModelUpdate,
    ModelMetric,
    ModelOutput,
    RunCreate,
    RunInputs,
    ViewType,
)
from jupyterlab_mlplatform.tracking.store import SqlTrackingStore, schema


def test_logged_model_lifecycle(mlp_store: SqlTrackingStore) -> None:
    # Given an experiment with a run
    experiment = mlp_store.create_experiment(ExperimentCreate(name="models"), user="ada")
    eid = experiment.experiment_id
    run = mlp_store.create_run(RunCreate(experiment_id=eid), user="ada")
    # When a model is created from the run
    model = mlp_store.create_logged_model(
        LoggedModelCreate(
            experiment_id=eid,
            name="clf",
            source_run_id=run.run_id,
            model_type="sklearn",
            params={"C": "1.0"},
            tags={"flavor": "sklearn"},
        ),
        user="ada",
    )
    # Then it is pending, in its own folder beside the experiment's runs
    assert model.model_id.startswith("m-") and model.status == LoggedModelStatus.PENDING
    assert model.artifact_location == (
        f"{experiment.artifact_location}/models/{model.model_id}/artifacts"
    )
    assert (model.name, model.source_run_id, model.created_by) == ("clf", run.run_id, "ada")
    assert model.params == {"C": "1.0"} and model.tags == {"flavor": "sklearn"}
    assert mlp_store.get_logged_model(model.model_id) == model
    # Finalized, tagged, given more params (immutable ones)
    ready = mlp_store.update_logged_model(
        model.model_id,
        LoggedModelUpdate(
            status=LoggedModelStatus.READY, params={"C": "1.0", "tol": "0.1"}, tags={"a": "b"}
        ),
    )
    assert ready.status == LoggedModelStatus.READY
    assert ready.params == {"C": "1.0", "tol": "0.1"}
    assert ready.tags == {"flavor": "sklearn", "a": "b"}
    with pytest.raises(Conflict):
        mlp_store.update_logged_model(model.model_id, LoggedModelUpdate(params={"C": "2"}))
    assert mlp_store.delete_logged_model_tag(model.model_id, "a").tags == {"flavor": "sklearn"}
    with pytest.raises(NotFound):
        mlp_store.delete_logged_model_tag(model.model_id, "a")
    # A model without a name gets one; listing is oldest first, deleted ones by view
    other = mlp_store.create_logged_model(LoggedModelCreate(experiment_id=eid), user=None)
    assert other.name and other.source_run_id is None
    listed = mlp_store.list_logged_models([eid])
    assert [m.model_id for m in listed] == [model.model_id, other.model_id]
    mlp_store.update_logged_model(
        other.model_id, LoggedModelUpdate(lifecycle_stage=LifecycleStage.DELETED)
    )
    assert [m.model_id for m in mlp_store.list_logged_models([eid])] == [model.model_id]
    deleted = mlp_store.list_logged_models([eid], ViewType.DELETED_ONLY)
    assert [m.model_id for m in deleted] == [other.model_id]
    # A model outlives its run
    mlp_store.delete_run(run.run_id, permanent=True)
    assert mlp_store.get_logged_model(model.model_id).source_run_id == run.run_id


def test_logged_models_refuse_bad_references(mlp_store: SqlTrackingStore) -> None:
    eid = mlp_store.create_experiment(ExperimentCreate(name="e"), user=None).experiment_id
    with pytest.raises(NotFound):
        mlp_store.create_logged_model(LoggedModelCreate(experiment_id="12345"), user=None)
    # As in MLflow, the source run is recorded as given: it need not exist
    free = mlp_store.create_logged_model(
        LoggedModelCreate(experiment_id=eid, source_run_id="nope"), user=None
    )
    assert free.source_run_id == "nope"
    with pytest.raises(NotFound):
        mlp_store.get_logged_model("m-nope")
    mlp_store.delete_experiment(eid)
    with pytest.raises(Conflict):
        mlp_store.create_logged_model(LoggedModelCreate(experiment_id=eid), user=None)


def test_run_outputs(mlp_store: SqlTrackingStore) -> None:
    eid = mlp_store.create_experiment(ExperimentCreate(name="e"), user=None).experiment_id
    run = mlp_store.create_run(RunCreate(experiment_id=eid), user=None)
    other_run = mlp_store.create_run(RunCreate(experiment_id=eid), user=None)
    a = mlp_store.create_logged_model(LoggedModelCreate(experiment_id=eid), user=None)
    b = mlp_store.create_logged_model(LoggedModelCreate(experiment_id=eid), user=None)
    # Outputs are per run, by step; logging one again replaces its step
    mlp_store.log_model_outputs(run.run_id, [ModelOutput(model_id=b.model_id, step=5)])
    mlp_store.log_model_outputs(run.run_id, [ModelOutput(model_id=a.model_id, step=1)])
    mlp_store.log_model_outputs(run.run_id, [ModelOutput(model_id=b.model_id, step=2)])
    outputs = mlp_store.get_model_outputs([run.run_id, other_run.run_id])
    assert outputs == {
        run.run_id: [
            ModelOutput(model_id=a.model_id, step=1),
            ModelOutput(model_id=b.model_id, step=2),
        ],
        other_run.run_id: [],
    }
    with pytest.raises(NotFound):
        mlp_store.log_model_outputs(run.run_id, [ModelOutput(model_id="m-nope")])
    with pytest.raises(NotFound):
        mlp_store.log_model_outputs("nope", [ModelOutput(model_id=a.model_id)])
    mlp_store.delete_run(other_run.run_id)
    with pytest.raises(Conflict):
        mlp_store.log_model_outputs(other_run.run_id, [ModelOutput(model_id=a.model_id)])
    # A run deleted for good takes its outputs along, not the models
    mlp_store.delete_run(run.run_id, permanent=True)
    assert mlp_store.get_model_outputs([run.run_id]) == {run.run_id: []}
    assert mlp_store.get_logged_model(a.model_id).model_id == a.model_id


def test_deleting_an_experiment_for_good_removes_its_models(mlp_store: SqlTrackingStore) -> None:
    eid = mlp_store.create_experiment(ExperimentCreate(name="e"), user=None).experiment_id
    keep = mlp_store.create_experiment(ExperimentCreate(name="keep"), user=None).experiment_id
    run = mlp_store.create_run(RunCreate(experiment_id=eid), user=None)
    model = mlp_store.create_logged_model(
        LoggedModelCreate(experiment_id=eid, params={"p": "1"}, tags={"t": "1"}), user=None
    )
    kept = mlp_store.create_logged_model(LoggedModelCreate(experiment_id=keep), user=None)
    mlp_store.log_model_outputs(run.run_id, [ModelOutput(model_id=model.model_id)])
    mlp_store.delete_experiment(eid, permanent=True)
    with pytest.raises(NotFound):
        mlp_store.get_logged_model(model.model_id)
    assert mlp_store.get_logged_model(kept.model_id).model_id == kept.model_id


def test_deleting_single_tags(mlp_store: SqlTrackingStore) -> None:
    experiment = mlp_store.create_experiment(
        ExperimentCreate(name="e", tags={"a": "1", "b": "2"}), user=None
    )
    changed = mlp_store.delete_experiment_tag(experiment.experiment_id, "a")
    assert changed.tags == {"b": "2"}
    with pytest.raises(NotFound):
        mlp_store.delete_experiment_tag(experiment.experiment_id, "a")
    run = mlp_store.create_run(
        RunCreate(experiment_id=experiment.experiment_id, tags={"x": "1", "y": "2"}), user=None
    )
    assert mlp_store.delete_run_tag(run.run_id, "x").tags == {"y": "2"}
    with pytest.raises(NotFound):
        mlp_store.delete_run_tag(run.run_id, "x")
    with pytest.raises(NotFound):
        mlp_store.delete_run_tag("nope", "y")
    mlp_store.delete_run(run.run_id)
    with pytest.raises(Conflict):
        mlp_store.delete_run_tag(run.run_id, "y")


def test_the_default_experiment_becomes_zero(mlp_store_uri: str, tmp_path: Any) -> None:
    """0006: a store whose ``Default`` was made on first use (id 2 here) has it moved to 0,
    MLflow's default, with its tags, runs and models; their files stay where they are."""
    from alembic import command
    from sqlalchemy import create_engine

    from jupyterlab_mlplatform.tracking.store.migrate import alembic_config

    # Given a database at 0005 where Default is experiment 2, with a tag, a run and a model
    engine = create_engine(mlp_store_uri)
    try:
        command.upgrade(alembic_config(engine), "0005")
    finally:
        engine.dispose()
    engine = create_engine(mlp_store_uri)
    try:
        with engine.begin() as conn:
            for eid, name in ((1, "first"), (2, "Default")):
                inserted = conn.execute(
                    schema.experiments.insert().values(
                        name=name,
                        artifact_location=f"{tmp_path}/{eid}",
                        lifecycle_stage="active",
                        creation_time=1,
                        last_update_time=1,
                    )
                )
                assert inserted.inserted_primary_key == (eid,)
            conn.execute(
                schema.experiment_tags.insert().values(experiment_id=2, key="k", value="v")
            )
            conn.execute(
                schema.runs.insert().values(
                    run_id="r" * 32,
                    experiment_id=2,
                    name="old-run",
                    status="FINISHED",
                    start_time=1,
                    artifact_uri=f"{tmp_path}/2/{'r' * 32}/artifacts",
                )
            )
            conn.execute(
                schema.logged_models.insert().values(
                    model_id="m-old",
                    experiment_id=2,
                    name="old-model",
                    status="READY",
                    creation_time=1,
                    last_update_time=1,
                    artifact_location=f"{tmp_path}/2/models/m-old/artifacts",
                )
            )
    finally:
        engine.dispose()
    # When the store opens (and migrates)
    store = SqlTrackingStore(mlp_store_uri, str(tmp_path))
    try:
        # Then Default is experiment 0, with everything it had, and 2 is gone
        default = store.get_experiment("0")
        assert default.name == "Default" and default.tags == {"k": "v"}
        assert default.artifact_location == f"{tmp_path}/2"  # its files did not move
        with pytest.raises(NotFound):
            store.get_experiment("2")
        run = store.get_run("r" * 32)
        assert run.experiment_id == "0" and run.artifact_uri == f"{tmp_path}/2/{'r' * 32}/artifacts"
        assert store.get_logged_model("m-old").experiment_id == "0"
        assert [e.name for e in store.list_experiments()] == ["Default", "first"]
        # A new experiment never shares the moved Default's artifact folder (SQLite gives
        # id 2 again); a run without an experiment goes to 0
        new = store.create_experiment(ExperimentCreate(name="new"), None)
        assert new.artifact_location != default.artifact_location
        assert new.artifact_location.startswith(f"{tmp_path}/{new.experiment_id}")
        assert store.create_run(RunCreate(), user=None).experiment_id == "0"
    finally:
        store.close()


def test_a_fresh_store_has_default_zero_and_takes_it_back(mlp_store: SqlTrackingStore) -> None:
    # A fresh store has experiment 0, Default, with its own artifact folder
    default = mlp_store.get_experiment("0")
    assert default.name == "Default"
    assert default.artifact_location.endswith("/0")
    assert mlp_store.create_experiment(ExperimentCreate(name="x"), None).experiment_id == "1"
    # Deleted for good, a Default made again is 0 again
    mlp_store.delete_experiment("0", permanent=True)
    again = mlp_store.create_experiment(ExperimentCreate(name="Default"), None)
    assert again.experiment_id == "0"


def test_run_inputs_and_model_metrics_in_the_store(mlp_store: SqlTrackingStore) -> None:
    run = mlp_store.create_run(RunCreate(), user=None)
    model = mlp_store.create_logged_model(LoggedModelCreate(experiment_id="0"), user=None)
    data = DatasetInput(
        name="d", digest="123", source_type="code", source="{}", tags={"c": "train"}
    )
    mlp_store.log_run_inputs(run.run_id, RunInputs(datasets=[data], model_ids=[model.model_id]))
    # Logged again: one dataset input, its tags replaced; one model input
    again = data.model_copy(update={"tags": {"c": "eval"}})
    mlp_store.log_run_inputs(run.run_id, RunInputs(datasets=[again], model_ids=[model.model_id]))
    inputs = mlp_store.get_run_inputs([run.run_id])[run.run_id]
    assert inputs.datasets == [again] and inputs.model_ids == [model.model_id]
    # Model metrics: NaN kept, a missing model writes nothing
    point = ModelMetric(
        model_id=model.model_id, run_id=run.run_id, key="acc", value=math.nan, timestamp=1, step=0
    )
    mlp_store.log_model_metrics([point])
    with pytest.raises(NotFound):
        mlp_store.log_model_metrics(
            [point.model_copy(update={"value": 1.0}), point.model_copy(update={"model_id": "m-x"})]
        )
    [stored] = mlp_store.get_model_metrics([model.model_id])[model.model_id]
    assert stored.key == "acc" and math.isnan(stored.value)
    # Both go with their run, or their model
    mlp_store.delete_run(run.run_id, permanent=True)
    assert mlp_store.get_run_inputs([run.run_id])[run.run_id] == RunInputs()
    assert len(mlp_store.get_model_metrics([model.model_id])[model.model_id]) == 1  # a model
    # outlives its run
