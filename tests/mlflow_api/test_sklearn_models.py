"""mlflow.sklearn.autolog() and MLflow 3's logged models, through the real mlflow client."""

from __future__ import annotations

from typing import Any


async def test_autolog_and_logged_models_round_trip(
    mlp_mlflow: Any, mlp_app: Any, mlp_api: Any
) -> None:
    facts = await mlp_mlflow("sklearn_models.py")
    store = mlp_app.tracking.store
    # autolog: params, training metrics and the model landed in our store
    auto = store.get_run(facts["auto_run"])
    assert auto.name == "autologged" and auto.status.value == "FINISHED"
    assert auto.params["C"] == "0.5" and auto.params["max_iter"] == "300"
    assert 0.9 < auto.metrics["training_accuracy_score"].value <= 1.0
    assert facts["auto_same"]
    [auto_model_id] = facts["auto_outputs"]
    assert store.get_model_outputs([auto.run_id])[auto.run_id][0].model_id == auto_model_id
    auto_model = store.get_logged_model(auto_model_id)
    assert auto_model.source_run_id == auto.run_id and auto_model.status.value == "READY"
    # ... and the run is ours, as our REST API and the Experiments panel see it
    status, page = await mlp_api(
        "POST",
        "runs/search",
        {"experiment_ids": [auto.experiment_id], "filter": "params.C = '0.5'"},
    )
    assert status == 200 and [r["run_id"] for r in page["runs"]] == [auto.run_id]
    assert page["runs"][0]["user"] == mlp_app.kernel_credentials.user.name
    _, listing = await mlp_api("GET", f"runs/{auto.run_id}/artifacts")
    assert "estimator.html" in [f["path"] for f in listing["files"]]
    # log_model then load_model: the same predictions through every URI form
    assert facts["pyfunc_same"] and facts["sklearn_same"] and facts["run_uri_same"]
    model = store.get_logged_model(facts["model_id"])
    assert facts["model_uri"] == f"models:/{model.model_id}"
    assert model.name == "clf" and model.source_run_id == facts["manual_run"]
    assert model.params["max_iter"] == "300"
    assert model.created_by == mlp_app.kernel_credentials.user.name
    assert facts["logged"]["status"] == "READY"
    assert facts["logged"]["artifact_location"] == (
        f"mlflow-artifacts:/{model.experiment_id}/models/{model.model_id}/artifacts"
    )
    assert facts["search"] == [model.model_id]
    assert {"MLmodel", "requirements.txt", "input_example.json"} <= set(facts["files"])
    assert (
        facts["tags"]["reviewed"] == "yes"
        and store.get_logged_model(model.model_id).tags["reviewed"] == "yes"
    )
    # The model's files are in its own folder beside the experiment's runs
    listing = mlp_app.tracking.artifacts.list(model.artifact_location)
    assert "MLmodel" in [f.path for f in listing.files]
    assert model.artifact_location.startswith(
        store.get_experiment(model.experiment_id).artifact_location + "/models/"
    )
