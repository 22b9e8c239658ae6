"""What MLflow 3's own server answers, asked of ours: the real ``mlflow`` client where it
shows the behaviour, raw REST where the client hides it.  The reference is MLflow's
``tests/tracking/test_rest_tracking.py`` and its server's handlers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient

from jupyterlab_mlplatform.mlflow_api import unserved

from .conftest import Call


@pytest.fixture
def mlp_app_config(mlp_app_config: dict[str, Any], mlp_store_uri: str) -> dict[str, Any]:
    """Every test here runs on SQLite and on PostgreSQL."""
    return {**mlp_app_config, "tracking_uri": mlp_store_uri}


async def test_the_client_sees_what_mlflow_serves(
    mlp_mlflow: Any, mlp_app: Any, mlflow_api: Call
) -> None:
    # When unmodified mlflow client code runs
    facts = await mlp_mlflow("compat.py")
    # Then the Default experiment is "0" from the start, by id, by name and in searches
    assert facts["default_by_id"] == ["0", "Default"]
    assert facts["default_by_name"] == "0"
    assert facts["searched_ids"] == ["0"]
    # A tag != condition matches only experiments that have the tag
    assert facts["tag_not_v"] == ["tagged-w"]
    assert facts["tag_is_v"] == ["tagged-v"]
    # Dataset inputs are stored (once) with the input's tags, models by id
    assert facts["dataset_inputs"] == [
        {
            "name": "train",
            "digest": facts["train_digest"],
            "source_type": "code",
            "schema": True,
            "tags": {"mlflow.data.context": "training"},
        }
    ]
    assert facts["model_inputs"] == [facts["model_id"]]
    # ... and the web UI's dataset search finds them, once per context
    body = {"experiment_ids": [facts["tagged_v"], facts["tagged_w"]]}
    status, reply = await mlflow_api(
        "POST", "experiments/search-datasets", body, api="ajax-api/2.0/mlflow"
    )
    assert status == 200
    assert reply["dataset_summaries"] == [
        {
            "experiment_id": facts["tagged_v"],
            "name": "train",
            "digest": facts["train_digest"],
            "context": "training",
        }
    ]
    status, reply = await mlflow_api(
        "POST", "experiments/search-datasets", {"experiment_ids": []}, api="ajax-api/2.0/mlflow"
    )
    assert _is_invalid(status, reply)
    # A logged model keeps exactly the client's tags; its source run need not exist
    assert facts["model_tags"] == {"team": "a"}
    assert facts["orphan_source"] == "f" * 32
    # A metric logged with a model id is the model's too, with its dataset and run
    run_id = facts["model_metrics"][0][3]
    assert facts["model_metrics"] == [["acc", 0.9, 1, run_id, facts["model_id"], "eval", "abc"]]
    assert facts["run_metric_acc"] == 0.4  # the run's latest value, as before
    # Logged-model searches honour datasets, with and without metric conditions
    assert facts["search_all"] == ["m", "orphan"]
    assert facts["search_eval"] == ["m"] == facts["search_eval_digest"]
    assert facts["search_eval_other_digest"] == []
    assert facts["search_acc_over"] == ["m"]
    assert facts["search_acc_any"] == ["m", "orphan"]
    assert facts["search_acc_on_eval"] == ["m"]
    # ... and order by a metric's latest value (models without one last, either way)
    assert facts["order_acc_desc"] == ["m", "orphan"]
    assert facts["order_acc_asc"] == ["orphan", "m"]
    assert facts["order_acc_on_eval_asc"] == ["m", "orphan"]  # orphan has none on eval
    assert facts["order_name"] == ["orphan", "m"]


def _is_invalid(status: int, reply: Any) -> bool:
    return status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE"


async def _run_id(mlflow_api: Call) -> str:
    status, reply = await mlflow_api("POST", "runs/create", {"experiment_id": "0"})
    assert status == 200, reply
    return str(reply["run"]["info"]["run_id"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("experiments/create", {"name": 123}),
        ("experiments/create", {"name": "x", "tags": [{"key": 1, "value": "v"}]}),
        ("experiments/set-experiment-tag", {"experiment_id": "0", "key": "k", "value": 5}),
        ("runs/create", {"experiment_id": 0}),
        ("runs/log-parameter", {"run_id": "RUN", "key": ["k"], "value": "v"}),
        ("runs/log-parameter", {"run_id": "RUN", "key": "k", "value": True}),
        ("runs/set-tag", {"run_id": "RUN", "key": "k", "value": {"a": 1}}),
        ("runs/log-metric", {"run_id": 123, "key": "m", "value": 1, "timestamp": 1}),
        ("runs/log-metric", {"run_id": "RUN", "key": "m", "value": 1}),  # no timestamp
        ("runs/log-batch", {"run_id": "RUN", "metrics": [{"key": "m", "value": 1, "step": 0}]}),
        ("runs/log-batch", {"run_id": "RUN", "params": [{"key": "p", "value": 1}]}),
        ("runs/update", {"run_id": 1, "status": "FINISHED"}),
        ("runs/search", {"experiment_ids": [0]}),
    ],
)
async def test_wrong_types_are_invalid_parameters(
    mlflow_api: Call, mlp_app: Any, path: str, body: Any
) -> None:
    # Given a run with nothing logged
    run_id = await _run_id(mlflow_api)
    for key, value in list(body.items()):
        if value == "RUN":
            body[key] = run_id
    # When a field has the wrong JSON type (or a metric has no timestamp)
    status, reply = await mlflow_api("POST", path, body)
    # Then it is MLflow's 400 INVALID_PARAMETER_VALUE, and nothing is written
    assert _is_invalid(status, reply), reply
    run = mlp_app.tracking.store.get_run(run_id)
    assert not run.params and not run.metrics and "k" not in run.tags and run.name != 1
    assert [e.name for e in mlp_app.tracking.store.list_experiments()] == ["Default"]


async def test_unserved_routes_answer_as_listed(mlflow_api: Call) -> None:
    for feature in unserved.UNSERVED:
        for request in feature.paths:
            method, path = request.split(" ", 1)
            body = {} if method == "POST" else None
            status, reply = await mlflow_api(method, path, body, api="")
            assert status == unserved.NOT_SERVED_STATUS, request
            assert reply["error_code"] == unserved.NOT_SERVED_CODE and reply["message"], request


async def test_version_artifacts_list_and_get_artifact(
    mlflow_api: Call, mlp_app: Any, jp_http_port: int, jp_base_url: str
) -> None:
    # /version is plain text, as mlflow server answers it
    status, text = await mlflow_api("GET", "version", api="")
    assert status == 200 and text.decode().startswith("3.")
    # Given a run with an empty text file, an MLmodel file and a binary in a folder
    run_id = await _run_id(mlflow_api)
    run = mlp_app.tracking.store.get_run(run_id)
    root = f"{run.experiment_id}/{run_id}/artifacts"
    for name, data in (
        ("empty.txt", b""),
        ("model/MLmodel", b"flavors: {}\n"),
        ("model/w.bin", b"\0"),
    ):
        status, _ = await mlflow_api(
            "PUT", f"{root}/{name}", raw=data, api="api/2.0/mlflow-artifacts/artifacts"
        )
        assert status == 200
    token = mlp_app.kernel_credentials.token
    base = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlplatform/mlflow/"

    async def download(url: str) -> Any:
        return await AsyncHTTPClient().fetch(
            base + url, headers={"Authorization": f"Bearer {token}"}
        )

    # Downloads are attachments, typed by name as MLflow types them, empty or not
    for url in (
        f"api/2.0/mlflow-artifacts/artifacts/{root}/empty.txt",
        f"get-artifact?run_id={run_id}&path=empty.txt",
    ):
        response = await download(url)
        assert response.body == b""
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.headers["Content-Disposition"] == 'attachment; filename="empty.txt"'
    response = await download(f"get-artifact?run_id={run_id}&path=model/MLmodel")
    assert response.body == b"flavors: {}\n"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"] == 'attachment; filename="MLmodel"'
    response = await download(f"api/2.0/mlflow-artifacts/artifacts/{root}/model/w.bin")
    assert response.headers["Content-Type"] == "application/octet-stream"
    # artifacts/list lists by path from the run's root
    status, reply = await mlflow_api("GET", f"artifacts/list?run_id={run_id}&path=model")
    assert status == 200
    assert reply["root_uri"].endswith(f"/{root}")
    assert sorted(f["path"] for f in reply["files"]) == ["model/MLmodel", "model/w.bin"]
    status, reply = await mlflow_api("GET", f"artifacts/list?run_id={run_id}")
    assert sorted(f["path"] for f in reply["files"]) == ["empty.txt", "model"]
    # Paths that leave the run, and unknown runs, are refused
    status, reply = await mlflow_api("GET", f"artifacts/list?run_id={run_id}&path=../x")
    assert _is_invalid(status, reply)
    status, reply = await mlflow_api("GET", f"get-artifact?run_id={run_id}&path=../../x", api="")
    assert _is_invalid(status, reply)
    status, reply = await mlflow_api("GET", "get-artifact?run_id=nope&path=empty.txt", api="")
    assert status == 404 and reply["error_code"] == "RESOURCE_DOES_NOT_EXIST"


async def test_metric_history_bulk(mlflow_api: Call) -> None:
    # Given two runs with points of "loss" (the second logged out of order)
    runs = sorted([await _run_id(mlflow_api), await _run_id(mlflow_api)])
    histories = ([(0, 1.0, 10), (1, 0.5, 20)], [(1, 0.7, 40), (0, 0.9, 30)])
    for run_id, points in zip(runs, histories, strict=True):
        metrics = [{"key": "loss", "value": v, "step": s, "timestamp": t} for s, v, t in points]
        status, _ = await mlflow_api(
            "POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics}
        )
        assert status == 200
    # When the web UI's bulk route asks for both
    query = f"run_id={runs[0]}&run_id={runs[1]}&run_id=unknown&metric_key=loss"
    status, reply = await mlflow_api(
        "GET", f"metrics/get-history-bulk?{query}", api="ajax-api/2.0/mlflow"
    )
    # Then every point comes with its run, runs in id order, points by time (an unknown run
    # has none, as in MLflow)
    assert status == 200
    assert [(m["run_id"], m["step"], m["value"]) for m in reply["metrics"]] == [
        (runs[0], 0, 1.0),
        (runs[0], 1, 0.5),
        (runs[1], 0, 0.9),
        (runs[1], 1, 0.7),
    ]
    status, reply = await mlflow_api(
        "GET", f"metrics/get-history-bulk?{query}&max_results=3", api="ajax-api/2.0/mlflow"
    )
    assert len(reply["metrics"]) == 3
    for bad in ("metric_key=loss", f"run_id={runs[0]}"):
        status, reply = await mlflow_api(
            "GET", f"metrics/get-history-bulk?{bad}", api="ajax-api/2.0/mlflow"
        )
        assert _is_invalid(status, reply), bad


def test_the_readme_lists_every_unserved_feature() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("**Not served**") :]
    for feature in unserved.UNSERVED:
        assert f"| {feature.name} |" in section, feature.name


async def test_inputs_and_model_metrics_logged_at_once_are_kept_once(
    mlflow_api: Call, mlp_app: Any
) -> None:
    # Given a run and a logged model
    run_id = await _run_id(mlflow_api)
    status, reply = await mlflow_api("POST", "logged-models", {"experiment_id": "0"})
    model_id = reply["model"]["info"]["model_id"]
    dataset = {"name": "d", "digest": "1", "source_type": "code", "source": "{}"}

    def inputs(context: str) -> dict[str, Any]:
        entry = {"tags": [{"key": "mlflow.data.context", "value": context}], "dataset": dataset}
        return {
            "run_id": run_id,
            "datasets": [entry, entry],
            "models": [{"model_id": model_id}] * 2,
        }

    point = {"key": "acc", "value": 0.5, "timestamp": 1, "step": 0, "model_id": model_id}
    batch = {"run_id": run_id, "metrics": [point, {**point, "value": 0.7}]}
    # When the same inputs and points come twice in one request, and in eight at once
    calls = [mlflow_api("POST", "runs/log-inputs", inputs(str(n))) for n in range(8)]
    calls += [mlflow_api("POST", "runs/log-batch", batch) for _ in range(8)]
    answers = await asyncio.gather(*calls)
    # Then every request succeeds and each is stored once
    assert [status for status, _ in answers] == [200] * 16
    status, reply = await mlflow_api("GET", f"runs/get?run_id={run_id}")
    assert len(reply["run"]["inputs"]["dataset_inputs"]) == 1
    assert reply["run"]["inputs"]["model_inputs"] == [{"model_id": model_id}]
    status, reply = await mlflow_api("GET", f"logged-models/{model_id}")
    assert [(m["key"], m["value"]) for m in reply["model"]["data"]["metrics"]] == [("acc", 0.7)]
    # A point for a model that does not exist writes nothing, to the run either
    missing = {"run_id": run_id, "metrics": [{**point, "key": "f1", "model_id": "m-nope"}]}
    status, reply = await mlflow_api("POST", "runs/log-batch", missing)
    assert status == 404 and reply["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert "f1" not in mlp_app.tracking.store.get_run(run_id).metrics
