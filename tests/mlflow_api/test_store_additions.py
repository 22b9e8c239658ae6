"""What the MLflow API needs of the SQL store, on SQLite and on a real PostgreSQL server:
logged models, run outputs, and deleting single tags."""

from __future__ import annotations

import pytest

from jupyterlab_mlplatform.errors import Conflict, NotFound
from jupyterlab_mlplatform.tracking.models import (
    ExperimentCreate,
    LifecycleStage,
    LoggedModelCreate,
    LoggedModelStatus,
    LoggedModelUpdate,
    ModelOutput,
    RunCreate,
    ViewType,
)
from jupyterlab_mlplatform.tracking.store import SqlTrackingStore


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
