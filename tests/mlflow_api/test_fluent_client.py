"""The real mlflow client, unmodified, against the server: what it logs lands in our store."""

from __future__ import annotations

import math
from typing import Any

from jupyterlab_mlplatform.tracking.models import SearchRuns, ViewType


async def test_fluent_api_searches_histories_and_artifacts(
    mlp_mlflow: Any, mlp_app: Any, mlp_api: Any
) -> None:
    # Given a kernel's credentials (as the provisioner hands them out)
    token = mlp_app.kernel_credentials.token_for("kernel-1")
    # When unmodified mlflow code runs with them
    facts = await mlp_mlflow("fluent.py", token=token)
    store = mlp_app.tracking.store
    # Then the parent run is ours: our name, our user, the calling kernel
    parent = store.get_run(facts["parent"])
    assert parent.name == "parent" and facts["run_name"] == "parent"
    assert parent.user == mlp_app.kernel_credentials.user.name
    assert parent.source.kernel_id == "kernel-1"
    assert parent.status.value == "FINISHED" and facts["status"] == "FINISHED"
    assert parent.params == {"lr": "0.01", "depth": "3", "kind": "tree"} == facts["params"]
    assert parent.tags["stage"] == "dev" and parent.tags["team"] == "a"
    assert "gone" not in parent.tags and "gone" not in facts["tags"]
    # The client's mlflow.user and mlflow.runName tags are ours, never stored
    assert "mlflow.user" not in parent.tags and "mlflow.runName" not in parent.tags
    assert facts["tags"]["mlflow.user"] == parent.user
    assert facts["tags"]["mlflow.runName"] == "parent"
    assert facts["param_change"] == "INVALID_PARAMETER_VALUE"
    # Metrics and histories, NaN included
    assert facts["metrics"] == {"loss": 0.05, "acc": 0.75, "f1": 0.25}
    assert facts["nan_is_nan"] and math.isnan(parent.metrics["nan_metric"].value)
    assert facts["history"] == [[step, 1.0 / (step + 1)] for step in range(20)]
    assert store.get_metric_history(parent.run_id, "loss").steps == list(range(20))
    assert facts["missing_history"] == 0
    # Nested runs keep their parent
    child = store.get_run(facts["child"])
    assert child.tags["mlflow.parentRunId"] == parent.run_id == facts["parent_of_child"]
    # Artifacts went through the proxy into the run's own folder: the panel shows them
    experiment_id = facts["experiment_id"]
    assert facts["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/{parent.run_id}/artifacts"
    _, listing = await mlp_api("GET", f"runs/{parent.run_id}/artifacts")
    assert [f["path"] for f in listing["files"]] == ["config", "data", "note.md", "notes.txt"]
    assert facts["root_files"] == [
        ["config", True],
        ["data", True],
        ["note.md", False],
        ["notes.txt", False],
    ]
    assert facts["data_files"] == [["data/sub/b.bin", False, 1_024_000]]
    assert facts["downloaded"] == ["a.txt", "sub/b.bin"] and facts["b_bin_ok"]
    assert facts["json"] == {"x": 1}
    # Searches: MLflow's filters and order, tags.mlflow.runName meaning the name, pages
    assert facts["rf_by_score"] == ["grid-4", "grid-2"]
    assert facts["by_run_name_tag"] == [f"grid-{i}" for i in range(5)]
    assert facts["paged"] == [f"grid-{i}" for i in range(5)]
    assert facts["failed_frame"] == [["failing"], [0.1]]
    assert facts["bad_filter"] == "INVALID_PARAMETER_VALUE"
    # Experiments
    assert facts["duplicate_experiment"] == "RESOURCE_ALREADY_EXISTS"
    assert facts["renamed"] == {"k": "v"}
    assert facts["deleted_stage"] == "deleted"
    assert "renamed" not in facts["active_names"] and "fluent" in facts["active_names"]
    assert facts["searched"] == ["renamed"]
    assert facts["missing_experiment"] is True
    # Runs: delete, restore, errors
    assert facts["deleted_run_stage"] == "deleted"
    assert facts["log_to_deleted"] == "INVALID_PARAMETER_VALUE"
    assert facts["restored"] == "KILLED"
    assert facts["missing_run"] == "RESOURCE_DOES_NOT_EXIST"
    assert facts["missing_run_log"] == "RESOURCE_DOES_NOT_EXIST"
    assert facts["default_experiment"] == "Default"
    # And our own REST API finds the runs like any other
    status, page = await mlp_api(
        "POST",
        "runs/search",
        {"experiment_ids": [experiment_id], "filter": "name LIKE 'grid-%'"},
    )
    assert status == 200 and len(page["runs"]) == 5
    all_runs = store.search_runs(
        SearchRuns(experiment_ids=[experiment_id], run_view_type=ViewType.ALL)
    ).runs
    assert {r.source.kernel_id for r in all_runs} == {"kernel-1"}
