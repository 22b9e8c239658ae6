"""The MLflow API over plain HTTP: MLflow's JSON shapes, its errors, limits and paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from .conftest import Call

ARTIFACTS = "api/2.0/mlflow-artifacts"


async def _run(mlflow_api: Call, **extra: Any) -> dict[str, Any]:
    status, reply = await mlflow_api("POST", "runs/create", {"experiment_id": "0", **extra})
    assert status == 200, reply
    return reply["run"]  # type: ignore[no-any-return]


def _is_error(reply: Any, code: str) -> bool:
    return reply["error_code"] == code and bool(reply["message"])


async def test_errors_come_in_mlflow_shape(mlflow_api: Call) -> None:
    status, reply = await mlflow_api("GET", "runs/get?run_id=0123456789abcdef")
    assert status == 404 and _is_error(reply, "RESOURCE_DOES_NOT_EXIST")
    status, reply = await mlflow_api("POST", "runs/create", raw=b"{not json")
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    # A bad field is named; its value is not echoed back
    body = {"run_id": "x", "metrics": [{"key": "<script>", "value": "<b>nope</b>"}]}
    status, reply = await mlflow_api("POST", "runs/log-batch", body)
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    assert "metrics.0.value" in reply["message"] and "<b>" not in reply["message"]
    status, reply = await mlflow_api("GET", "runs/get")
    assert status == 400 and "run_id" in reply["message"]
    # Endpoints we do not offer, and wrong methods
    for method, path in (("POST", "nothing/here"), ("GET", "runs/create")):
        status, reply = await mlflow_api(method, path)
        assert status in (404, 405) and _is_error(reply, "ENDPOINT_NOT_FOUND")
    status, reply = await mlflow_api("POST", "traces", {}, api="api/3.0/mlflow")
    assert status == 404 and _is_error(reply, "ENDPOINT_NOT_FOUND")
    # No credentials, or someone else's
    for token in (None, "forged.0123456789"):
        status, reply = await mlflow_api("GET", "experiments/search", token=token)
        assert status == 403 and _is_error(reply, "PERMISSION_DENIED")
    # Names are taken once; artifact locations are the server's
    await mlflow_api("POST", "experiments/create", {"name": "e"})
    status, reply = await mlflow_api("POST", "experiments/create", {"name": "e"})
    assert status == 400 and _is_error(reply, "RESOURCE_ALREADY_EXISTS")
    body = {"name": "f", "artifact_location": "/tmp/elsewhere"}
    status, reply = await mlflow_api("POST", "experiments/create", body)
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    status, reply = await mlflow_api("GET", "experiments/get-by-name?experiment_name=nope")
    assert status == 404 and _is_error(reply, "RESOURCE_DOES_NOT_EXIST")


async def test_run_json_and_what_the_client_cannot_override(mlflow_api: Call, mlp_app: Any) -> None:
    # Given a kernel's token and a client claiming another user and a name by tag
    token = mlp_app.kernel_credentials.token_for("k-42")
    status, reply = await mlflow_api(
        "POST",
        "runs/create",
        {
            "experiment_id": "0",
            "user_id": "mallory",
            "start_time": "1700000000000",
            "tags": [
                {"key": "mlflow.user", "value": "mallory"},
                {"key": "mlflow.runName", "value": "tagged-name"},
                {"key": "mlflow.source.name", "value": "ipykernel_launcher.py"},
            ],
        },
        token=token,
    )
    assert status == 200
    info, data = reply["run"]["info"], reply["run"]["data"]
    owner = mlp_app.kernel_credentials.user.name
    assert info["run_name"] == "tagged-name" and info["user_id"] == owner
    assert info["run_id"] == info["run_uuid"] and info["status"] == "RUNNING"
    assert info["start_time"] == 1_700_000_000_000 and "end_time" not in info
    assert (
        info["artifact_uri"]
        == f"mlflow-artifacts:/{info['experiment_id']}/{info['run_id']}/artifacts"
    )
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert tags["mlflow.user"] == owner and tags["mlflow.runName"] == "tagged-name"
    stored = mlp_app.tracking.store.get_run(info["run_id"])
    assert stored.user == owner and stored.source.kernel_id == "k-42"
    assert "mlflow.user" not in stored.tags and "mlflow.runName" not in stored.tags
    assert stored.tags["mlflow.source.name"] == "ipykernel_launcher.py"
    # Setting mlflow.runName renames; mlflow.user changes nothing; neither can be deleted
    run_id = info["run_id"]
    for key, value in (("mlflow.runName", "renamed"), ("mlflow.user", "mallory")):
        status, _ = await mlflow_api(
            "POST", "runs/set-tag", {"run_uuid": run_id, "key": key, "value": value}
        )
        assert status == 200
    stored = mlp_app.tracking.store.get_run(run_id)
    assert (stored.name, stored.user) == ("renamed", owner)
    status, reply = await mlflow_api(
        "POST", "runs/delete-tag", {"run_id": run_id, "key": "mlflow.runName"}
    )
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    status, reply = await mlflow_api("POST", "runs/delete-tag", {"run_id": run_id, "key": "nope"})
    assert status == 404 and _is_error(reply, "RESOURCE_DOES_NOT_EXIST")
    # Finishing sets the end time
    body = {"run_id": run_id, "status": "FINISHED", "end_time": 1_700_000_005_000}
    status, reply = await mlflow_api("POST", "runs/update", body)
    assert status == 200 and reply["run_info"]["status"] == "FINISHED"
    assert reply["run_info"]["end_time"] == 1_700_000_005_000
    # The ajax-api prefix of MLflow's web UI works too
    status, reply = await mlflow_api("GET", f"runs/get?run_id={run_id}", api="ajax-api/2.0/mlflow")
    assert status == 200 and reply["run"]["info"]["run_name"] == "renamed"


async def test_log_batch_limits_and_immutable_params(mlflow_api: Call, mlp_app: Any) -> None:
    run_id = (await _run(mlflow_api))["info"]["run_id"]

    async def batch(**body: Any) -> tuple[int, Any]:
        return await mlflow_api("POST", "runs/log-batch", {"run_id": run_id, **body})

    metric = {"key": "m", "value": 1.0, "timestamp": 1, "step": 0}
    too_many: list[dict[str, Any]] = [
        {"metrics": [metric] * 1001},
        {"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]},
        {"tags": [{"key": f"t{i}", "value": "v"} for i in range(101)]},
        {
            "metrics": [metric] * 901,
            "params": [{"key": f"p{i}", "value": "v"} for i in range(50)],
            "tags": [{"key": f"t{i}", "value": "v"} for i in range(50)],
        },
        {"params": [{"key": "p", "value": "1"}, {"key": "p", "value": "2"}]},
    ]
    for body in too_many:
        status, reply = await batch(**body)
        assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    # Nothing of the refused batches was written
    assert mlp_app.tracking.store.get_run(run_id).metrics == {}
    status, _ = await batch(
        metrics=[metric] * 996,  # with the params and tags: 1000, the most in one batch
        params=[{"key": "lr", "value": "0.1"}, {"key": "lr", "value": "0.1"}],
        tags=[{"key": "t", "value": "a"}, {"key": "t", "value": "b"}],
    )
    assert status == 200
    status, reply = await mlflow_api(
        "POST", "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.2"}
    )
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    status, _ = await mlflow_api(
        "POST", "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"}
    )
    assert status == 200
    stored = mlp_app.tracking.store.get_run(run_id)
    assert stored.params == {"lr": "0.1"} and stored.tags == {"t": "b"}
    # NaN and infinities travel as protobuf JSON's strings
    for value in ("NaN", "Infinity", "-Infinity"):
        status, _ = await mlflow_api(
            "POST",
            "runs/log-metric",
            {"run_id": run_id, "key": f"odd-{value}", "value": value, "timestamp": 5},
        )
        assert status == 200
    _, reply = await mlflow_api("GET", f"runs/get?run_id={run_id}")
    metrics = {m["key"]: m["value"] for m in reply["run"]["data"]["metrics"]}
    assert [metrics[f"odd-{v}"] for v in ("NaN", "Infinity", "-Infinity")] == [
        "NaN",
        "Infinity",
        "-Infinity",
    ]
    # A dataset input needs its name, digest, source type and source, as in MLflow
    status, reply = await mlflow_api(
        "POST", "runs/log-inputs", {"run_id": run_id, "datasets": [{"dataset": {"name": "d"}}]}
    )
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    # A deleted run refuses writes
    await mlflow_api("POST", "runs/delete", {"run_id": run_id})
    for path in ("runs/log-inputs", "runs/log-batch"):
        status, reply = await mlflow_api("POST", path, {"run_id": run_id})
        assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE"), path


async def test_metric_history_pages(mlflow_api: Call) -> None:
    run_id = (await _run(mlflow_api))["info"]["run_id"]
    metrics = [
        {"key": "loss", "value": 1.0 / (s + 1), "timestamp": 100 + s, "step": s} for s in range(5)
    ]
    await mlflow_api("POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})
    seen: list[int] = []
    token = ""
    for _ in range(5):
        query = f"metrics/get-history?run_id={run_id}&metric_key=loss&max_results=2"
        status, reply = await mlflow_api("GET", query + (f"&page_token={token}" if token else ""))
        assert status == 200
        seen += [m["step"] for m in reply["metrics"]]
        token = reply.get("next_page_token", "")
        if not token:
            break
    assert seen == [0, 1, 2, 3, 4]
    status, reply = await mlflow_api("GET", f"metrics/get-history?run_id={run_id}&metric_key=loss")
    assert reply["metrics"][0] == {"key": "loss", "value": 1.0, "timestamp": 100, "step": 0}
    assert "next_page_token" not in reply
    status, reply = await mlflow_api("GET", f"metrics/get-history?run_id={run_id}&metric_key=none")
    assert status == 200 and reply == {"metrics": []}
    status, reply = await mlflow_api(
        "GET", f"metrics/get-history?run_id={run_id}&metric_key=loss&page_token=garbage"
    )
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")


async def test_experiments_search_filters_orders_and_pages(mlflow_api: Call) -> None:
    for name, team in (("alpha", "a"), ("beta", "b"), ("gamma", "a")):
        body = {"name": name, "tags": [{"key": "team", "value": team}]}
        status, _ = await mlflow_api("POST", "experiments/create", body)
        assert status == 200
    status, reply = await mlflow_api(
        "POST",
        "experiments/search",
        {"filter": "tags.team = 'a' AND name LIKE '%a'", "order_by": ["name DESC"]},
    )
    assert [e["name"] for e in reply["experiments"]] == ["gamma", "alpha"]
    names: list[str] = []
    token = ""
    while True:
        query = "experiments/search?max_results=2&order_by=name&order_by=experiment_id"
        status, reply = await mlflow_api("GET", query + (f"&page_token={token}" if token else ""))
        names += [e["name"] for e in reply["experiments"]]
        token = reply.get("next_page_token", "")
        if not token:
            break
    assert names == ["Default", "alpha", "beta", "gamma"]  # Default ("0") exists from the start
    for bad in ({"filter": "name = "}, {"filter": "metrics.x > 1"}, {"order_by": ["color"]}):
        status, reply = await mlflow_api("POST", "experiments/search", bad)
        assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE"), bad
    # The default experiment "0" is our Default
    status, reply = await mlflow_api("GET", "experiments/get?experiment_id=0")
    assert status == 200 and reply["experiment"]["name"] == "Default"


async def test_logged_models_api(mlflow_api: Call, mlp_app: Any) -> None:
    run = await _run(mlflow_api)
    experiment_id, run_id = run["info"]["experiment_id"], run["info"]["run_id"]
    created = []
    for name in ("a", "b", "c"):
        status, reply = await mlflow_api(
            "POST",
            "logged-models",
            {
                "experiment_id": experiment_id,
                "name": name,
                "source_run_id": run_id,
                "model_type": "test",
                "params": [{"key": "size", "value": str(len(created))}],
                "tags": [{"key": "mlflow.user", "value": "mallory"}],
            },
        )
        assert status == 200
        created.append(reply["model"])
    info = created[0]["info"]
    model_id = info["model_id"]
    assert info["status"] == "LOGGED_MODEL_PENDING" and info["source_run_id"] == run_id
    assert info["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/models/{model_id}/artifacts"
    # Its tags are exactly the client's, as in MLflow
    assert info["tags"] == [{"key": "mlflow.user", "value": "mallory"}]
    # Finalize, tags, params
    status, reply = await mlflow_api(
        "PATCH", f"logged-models/{model_id}", {"model_id": model_id, "status": 2}
    )
    assert status == 200 and reply["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    status, reply = await mlflow_api(
        "PATCH", f"logged-models/{model_id}/tags", {"tags": [{"key": "k", "value": "v"}]}
    )
    assert {"key": "k", "value": "v"} in reply["model"]["info"]["tags"]
    status, _ = await mlflow_api("DELETE", f"logged-models/{model_id}/tags/k")
    assert status == 200
    status, _ = await mlflow_api(
        "POST", f"logged-models/{model_id}/params", {"params": [{"key": "extra", "value": "1"}]}
    )
    assert status == 200
    status, reply = await mlflow_api(
        "POST", f"logged-models/{model_id}/params", {"params": [{"key": "size", "value": "9"}]}
    )
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")
    assert mlp_app.tracking.store.get_logged_model(model_id).params == {"size": "0", "extra": "1"}
    # Search: filters, order, pages
    body = {
        "experiment_ids": [experiment_id],
        "filter": "params.size != '1' AND source_run_id = '" + run_id + "'",
        "order_by": [{"field_name": "name", "ascending": False}],
    }
    status, reply = await mlflow_api("POST", "logged-models/search", body)
    assert [m["info"]["name"] for m in reply["models"]] == ["c", "a"]
    status, reply = await mlflow_api(
        "POST", "logged-models/search", {"experiment_ids": [experiment_id], "max_results": 2}
    )
    assert [m["info"]["name"] for m in reply["models"]] == ["c", "b"]  # newest first
    status, reply = await mlflow_api(
        "POST",
        "logged-models/search",
        {"experiment_ids": [experiment_id], "page_token": reply["next_page_token"]},
    )
    assert [m["info"]["name"] for m in reply["models"]] == ["a"]
    # Outputs show on the run
    status, _ = await mlflow_api(
        "POST", "runs/outputs", {"run_id": run_id, "models": [{"model_id": model_id, "step": 3}]}
    )
    assert status == 200
    _, reply = await mlflow_api("GET", f"runs/get?run_id={run_id}")
    assert reply["run"]["outputs"] == {"model_outputs": [{"model_id": model_id, "step": 3}]}
    # Deleted models are gone unless asked for
    status, _ = await mlflow_api("DELETE", f"logged-models/{model_id}")
    assert status == 200
    status, reply = await mlflow_api("GET", f"logged-models/{model_id}")
    assert status == 404 and _is_error(reply, "RESOURCE_DOES_NOT_EXIST")
    status, reply = await mlflow_api("GET", f"logged-models/{model_id}?allow_deleted=true")
    assert status == 200 and reply["model"]["info"]["model_id"] == model_id
    status, reply = await mlflow_api("GET", "logged-models/m-nope")
    assert status == 404 and _is_error(reply, "RESOURCE_DOES_NOT_EXIST")


async def test_artifact_proxy_round_trip(mlflow_api: Call, mlp_app: Any, mlp_api: Any) -> None:
    run = (await _run(mlflow_api))["info"]
    root = f"{run['experiment_id']}/{run['run_id']}/artifacts"
    payload = bytes(range(256)) * 5000  # several chunks
    status, _ = await mlflow_api(
        "PUT", f"artifacts/{root}/dir/blob.bin", raw=payload, api=ARTIFACTS
    )
    assert status == 200
    status, body = await mlflow_api("GET", f"artifacts/{root}/dir/blob.bin", api=ARTIFACTS)
    assert status == 200 and body == payload
    status, listing = await mlflow_api("GET", f"artifacts?path={root}", api=ARTIFACTS)
    assert listing == {"files": [{"path": "dir", "is_dir": True}]}
    status, listing = await mlflow_api("GET", f"artifacts?path={root}/dir", api=ARTIFACTS)
    assert listing == {"files": [{"path": "blob.bin", "is_dir": False, "file_size": len(payload)}]}
    # A file or nothing lists as empty, as in MLflow
    for path in (f"{root}/dir/blob.bin", f"{root}/missing"):
        status, listing = await mlflow_api("GET", f"artifacts?path={path}", api=ARTIFACTS)
        assert status == 200 and listing == {"files": []}
    # Our own API sees the same file
    _, ours = await mlp_api("GET", f"runs/{run['run_id']}/artifacts", path="dir")
    assert ours["files"][0]["path"] == "dir/blob.bin"
    # Multipart uploads are not offered (the server says so), and refused in the words the
    # client falls back on
    status, info = await mlflow_api("GET", "server-info", api="api/3.0/mlflow")
    assert status == 200 and info["multipart_uploads_enabled"] is False
    status, reply = await mlflow_api("POST", f"mpu/create/{root}/x", {}, api=ARTIFACTS)
    assert status == 501 and reply["message"].startswith("Multipart upload is not supported")
    # Over the size limit: 413, and the old file stays
    mlp_app.tracking.artifacts.max_size = 1000
    status, reply = await mlflow_api(
        "PUT", f"artifacts/{root}/dir/blob.bin", raw=b"x" * 5000, api=ARTIFACTS
    )
    assert status == 413 and reply["error_code"] == "INVALID_PARAMETER_VALUE"
    status, body = await mlflow_api("GET", f"artifacts/{root}/dir/blob.bin", api=ARTIFACTS)
    assert body == payload


ESCAPES = [
    "{root}/../../escape.txt",
    "{root}/a/../../../escape.txt",
    "{root}/%2E%2E/%2E%2E/escape.txt",
    "{root}/..%2F..%2Fescape.txt",
    "%2Fetc%2Fpasswd",
    "/{root}/escape.txt",
    "{root}/a%5C..%5C..%5Cescape.txt",
    "{root}/x%00y",
    "{experiment}/models/..%2F{run}/artifacts/escape.txt",
    "{other_experiment}/{run}/artifacts/escape.txt",
    "{experiment}/{run}/escape.txt",
    "{experiment}",
]


@pytest.mark.parametrize("template", ESCAPES)
async def test_artifact_paths_cannot_escape(
    mlflow_api: Call, mlp_data_dir: Path, template: str
) -> None:
    run = (await _run(mlflow_api))["info"]
    _, other = await mlflow_api("POST", "experiments/create", {"name": "other"})
    path = template.format(
        root=f"{run['experiment_id']}/{run['run_id']}/artifacts",
        experiment=run["experiment_id"],
        other_experiment=other["experiment_id"],
        run=run["run_id"],
    )
    for method, body in (("PUT", b"pwned"), ("GET", None)):
        status, reply = await mlflow_api(method, f"artifacts/{path}", raw=body, api=ARTIFACTS)
        assert status in (400, 404) and reply["error_code"] in (
            "INVALID_PARAMETER_VALUE",
            "RESOURCE_DOES_NOT_EXIST",
            "ENDPOINT_NOT_FOUND",
        ), (method, reply)
    # Listing: refused, or (tornado drops control characters from query arguments) empty
    status, reply = await mlflow_api("GET", f"artifacts?path={path}", api=ARTIFACTS)
    assert (status in (400, 404) and "error_code" in reply) or reply == {"files": []}
    assert list(mlp_data_dir.parent.rglob("escape.txt")) == []
    written = [p for p in (mlp_data_dir / "artifacts").rglob("*") if p.is_file()]
    assert written == []


async def test_symlinks_out_of_a_run_are_refused(
    mlflow_api: Call, mlp_app: Any, tmp_path: Path
) -> None:
    run = (await _run(mlflow_api))["info"]
    root = f"{run['experiment_id']}/{run['run_id']}/artifacts"
    await mlflow_api("PUT", f"artifacts/{root}/ok.txt", raw=b"ok", api=ARTIFACTS)
    folder = Path(mlp_app.tracking.store.get_run(run["run_id"]).artifact_uri)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("secret")
    (folder / "link").symlink_to(secret)
    status, reply = await mlflow_api("GET", f"artifacts/{root}/link/key.txt", api=ARTIFACTS)
    assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE"
    status, reply = await mlflow_api("GET", f"artifacts?path={root}/link", api=ARTIFACTS)
    assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE"


async def test_the_printed_run_link_opens_jupyterlab(
    jp_http_port: int, jp_base_url: str, mlp_app: Any, jp_fetch: Any
) -> None:
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlplatform/mlflow/"
    headers = {"Authorization": f"Bearer {mlp_app.kernel_credentials.token}"}
    with pytest.raises(HTTPClientError) as info:
        await AsyncHTTPClient().fetch(url, headers=headers, follow_redirects=False)
    assert info.value.code == 302
    assert info.value.response is not None
    assert info.value.response.headers["Location"].startswith(jp_base_url)


async def test_mlflow_2_model_records_go_to_the_history_tag(mlflow_api: Call, mlp_app: Any) -> None:
    run_id = (await _run(mlflow_api))["info"]["run_id"]
    for path in ("model", "other"):
        model_json = json.dumps({"artifact_path": path, "flavors": {"sklearn": {}}})
        status, _ = await mlflow_api(
            "POST", "runs/log-model", {"run_id": run_id, "model_json": model_json}
        )
        assert status == 200
    history = json.loads(mlp_app.tracking.store.get_run(run_id).tags["mlflow.log-model.history"])
    assert [entry["artifact_path"] for entry in history] == ["model", "other"]
    # The oldest records go when the tag would be too long; bad JSON is refused
    big = json.dumps({"artifact_path": "big", "padding": "x" * 5000})
    await mlflow_api("POST", "runs/log-model", {"run_id": run_id, "model_json": big})
    await mlflow_api("POST", "runs/log-model", {"run_id": run_id, "model_json": big})
    history = json.loads(mlp_app.tracking.store.get_run(run_id).tags["mlflow.log-model.history"])
    assert [entry["artifact_path"] for entry in history] == ["big"]
    status, reply = await mlflow_api(
        "POST", "runs/log-model", {"run_id": run_id, "model_json": "{nope"}
    )
    assert status == 400 and _is_error(reply, "INVALID_PARAMETER_VALUE")


async def test_model_records_sent_at_once_are_all_in_the_history(
    mlflow_api: Call, mlp_app: Any
) -> None:
    import asyncio

    run_id = (await _run(mlflow_api))["info"]["run_id"]
    paths = [f"model_{n}" for n in range(6)]
    replies = await asyncio.gather(
        *(
            mlflow_api(
                "POST",
                "runs/log-model",
                {"run_id": run_id, "model_json": json.dumps({"artifact_path": path})},
            )
            for path in paths
        )
    )
    assert [status for status, _ in replies] == [200] * 6
    history = json.loads(mlp_app.tracking.store.get_run(run_id).tags["mlflow.log-model.history"])
    assert sorted(entry["artifact_path"] for entry in history) == paths
