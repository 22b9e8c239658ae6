"""Unmodified mlflow code: the fluent API, the client's searches, histories and artifacts.

Prints one JSON object with what the test checks against the server's store.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

facts: dict[str, object] = {}


def error_code(call: object, *args: object, **kwargs: object) -> str:
    try:
        call(*args, **kwargs)  # type: ignore[operator]
    except MlflowException as e:
        return str(e.error_code)
    raise AssertionError("no MlflowException")


client = MlflowClient()

# -- the fluent API, nested runs -----------------------------------------------------------
experiment = mlflow.set_experiment("fluent")
facts["experiment_id"] = experiment.experiment_id
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("lr", 0.01)
    mlflow.log_params({"depth": 3, "kind": "tree"})
    for step in range(20):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.log_metrics({"acc": 0.5, "f1": 0.25}, step=1)
    mlflow.log_metrics({"acc": 0.75}, step=2)
    mlflow.log_metric("nan_metric", float("nan"))
    mlflow.set_tag("stage", "dev")
    mlflow.set_tags({"team": "a", "gone": "soon"})
    mlflow.delete_tag("gone")
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_metric("child_metric", 7.0)
    facts["param_change"] = error_code(mlflow.log_param, "lr", 0.5)
    # log_artifact / log_artifacts
    work = Path(tempfile.mkdtemp())
    (work / "notes.txt").write_text("hello")
    (work / "folder" / "sub").mkdir(parents=True)
    (work / "folder" / "a.txt").write_text("A")
    (work / "folder" / "sub" / "b.bin").write_bytes(bytes(range(256)) * 4000)
    mlflow.log_artifact(str(work / "notes.txt"))
    mlflow.log_artifacts(str(work / "folder"), artifact_path="data")
    mlflow.log_dict({"x": 1}, "config/params.json")
    mlflow.log_text("text", "note.md")
facts["parent"] = parent.info.run_id
facts["child"] = child.info.run_id
facts["parent_of_child"] = client.get_run(child.info.run_id).data.tags.get("mlflow.parentRunId")

with mlflow.start_run(run_name="failing"):
    mlflow.log_metric("acc", 0.1)
    mlflow.end_run(status="FAILED")

# -- reading back ---------------------------------------------------------------------------
run = client.get_run(parent.info.run_id)
facts["status"] = run.info.status
facts["run_name"] = run.info.run_name
facts["params"] = run.data.params
facts["metrics"] = {k: v for k, v in run.data.metrics.items() if k != "nan_metric"}
facts["nan_is_nan"] = run.data.metrics["nan_metric"] != run.data.metrics["nan_metric"]
facts["tags"] = {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.source")}
facts["artifact_uri"] = run.info.artifact_uri
history = client.get_metric_history(parent.info.run_id, "loss")
facts["history"] = [(m.step, m.value) for m in history]
facts["missing_history"] = len(client.get_metric_history(parent.info.run_id, "nothing"))

# Artifacts: list and download
facts["root_files"] = [(f.path, f.is_dir) for f in client.list_artifacts(parent.info.run_id)]
facts["data_files"] = [
    (f.path, f.is_dir, f.file_size) for f in client.list_artifacts(parent.info.run_id, "data/sub")
]
local = Path(mlflow.artifacts.download_artifacts(run_id=parent.info.run_id, artifact_path="data"))
facts["downloaded"] = sorted(str(p.relative_to(local)) for p in local.rglob("*") if p.is_file())
facts["b_bin_ok"] = (local / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 4000
facts["json"] = mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/config/params.json")

# -- searches -------------------------------------------------------------------------------
for i in range(5):
    with mlflow.start_run(run_name=f"grid-{i}"):
        mlflow.log_param("model", "rf" if i % 2 == 0 else "svm")
        mlflow.log_metric("score", i / 10)
ids = [experiment.experiment_id]
found = client.search_runs(
    ids, "params.model = 'rf' and metrics.score >= 0.1", order_by=["metrics.score DESC"]
)
facts["rf_by_score"] = [r.info.run_name for r in found]
by_tag = client.search_runs(
    ids, "tags.mlflow.runName LIKE 'grid-%'", order_by=["tags.mlflow.runName"]
)
facts["by_run_name_tag"] = [r.info.run_name for r in by_tag]
names: list[str] = []
page = client.search_runs(
    ids, "attributes.run_name LIKE 'grid%'", max_results=2, order_by=["attributes.run_name ASC"]
)
names += [r.info.run_name for r in page]
while page.token:
    page = client.search_runs(
        ids,
        "attributes.run_name LIKE 'grid%'",
        max_results=2,
        order_by=["attributes.run_name ASC"],
        page_token=page.token,
    )
    names += [r.info.run_name for r in page]
facts["paged"] = names
frame = mlflow.search_runs(
    experiment_names=["fluent"], filter_string="attributes.status = 'FAILED'"
)
facts["failed_frame"] = [list(frame["tags.mlflow.runName"]), list(frame["metrics.acc"])]
facts["bad_filter"] = error_code(client.search_runs, ids, "metrics.score >")

# -- experiments ----------------------------------------------------------------------------
other = client.create_experiment("other", tags={"team": "b"})
facts["duplicate_experiment"] = error_code(client.create_experiment, "other")
client.rename_experiment(other, "renamed")
client.set_experiment_tag(other, "k", "v")
client.delete_experiment_tag(other, "team")
facts["renamed"] = client.get_experiment_by_name("renamed").tags
client.delete_experiment(other)
facts["deleted_stage"] = client.get_experiment(other).lifecycle_stage
facts["active_names"] = sorted(e.name for e in client.search_experiments())
client.restore_experiment(other)
facts["searched"] = [
    e.name for e in client.search_experiments(filter_string="name LIKE 'ren%'", order_by=["name"])
]
facts["missing_experiment"] = client.get_experiment_by_name("nothing") is None

# -- a run to delete and restore, errors ---------------------------------------------------
doomed = client.create_run(experiment.experiment_id, run_name="doomed")
client.delete_run(doomed.info.run_id)
facts["deleted_run_stage"] = client.get_run(doomed.info.run_id).info.lifecycle_stage
facts["log_to_deleted"] = error_code(client.log_metric, doomed.info.run_id, "x", 1.0)
client.restore_run(doomed.info.run_id)
client.set_terminated(doomed.info.run_id, "KILLED")
facts["restored"] = client.get_run(doomed.info.run_id).info.status
facts["missing_run"] = error_code(client.get_run, "0123456789abcdef0123456789abcdef")
facts["missing_run_log"] = error_code(
    client.log_param, "0123456789abcdef0123456789abcdef", "a", "b"
)

# The default experiment ("0") is ours named Default
with mlflow.start_run(experiment_id="0") as default_run:
    pass
facts["default_experiment"] = client.get_experiment(default_run.info.experiment_id).name

print(json.dumps(facts), file=sys.stdout)
