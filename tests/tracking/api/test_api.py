"""The tracking REST API through a real Jupyter server (pytest-jupyter ``jp_fetch``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError


async def test_experiments_crud(mlp_api: Any) -> None:
    # Given / When
    status, created = await mlp_api("POST", "experiments", {"name": "iris", "tags": {"a": "1"}})
    # Then
    assert status == 201
    assert created["name"] == "iris" and created["tags"] == {"a": "1"}
    assert created["created_by"]  # the jupyter-server identity
    eid = created["experiment_id"]
    status, listed = await mlp_api("GET", "experiments")
    assert [e["name"] for e in listed["experiments"]] == ["Default", "iris"]  # Default is "0"
    status, changed = await mlp_api("PATCH", f"experiments/{eid}", {"description": "flowers"})
    assert status == 200 and changed["description"] == "flowers"
    status, deleted = await mlp_api("DELETE", f"experiments/{eid}")
    assert status == 200 and deleted["lifecycle_stage"] == "deleted"
    status, listed = await mlp_api("GET", "experiments", view="DELETED_ONLY")
    assert [e["experiment_id"] for e in listed["experiments"]] == [eid]
    status, body = await mlp_api("POST", "experiments", {"name": "iris"})
    assert status == 409 and "exists" in body["message"]


async def test_runs_log_and_history(mlp_api: Any) -> None:
    status, run = await mlp_api(
        "POST", "runs", {"experiment_name": "mnist", "name": "r1", "params": {"lr": 0.1}}
    )
    assert status == 201
    assert run["status"] == "RUNNING" and run["params"] == {"lr": "0.1"} and run["user"]
    rid = run["run_id"]
    batch = {
        "metrics": [{"key": "loss", "value": 1.0 / (i + 1), "step": i} for i in range(500)]
        + [{"key": "loss", "value": "NaN", "step": 500}],
        "params": {"depth": 3},
        "tags": {"note": "first"},
    }
    status, result = await mlp_api("POST", f"runs/{rid}/log", batch)
    assert status == 200 and result == {"applied": True}
    status, history = await mlp_api("GET", f"runs/{rid}/metrics/loss")
    assert history["total"] == 501 and len(history["steps"]) == 501
    assert history["values"][0] == 1.0 and history["values"][-1] == "NaN"
    status, sampled = await mlp_api("GET", f"runs/{rid}/metrics/loss", max_points=50)
    assert sampled["downsampled"] and len(sampled["steps"]) <= 50
    status, stored = await mlp_api("GET", f"runs/{rid}")
    assert stored["params"] == {"lr": "0.1", "depth": "3"}
    assert stored["tags"] == {"note": "first"}
    assert stored["metrics"]["loss"]["step"] == 500
    status, ended = await mlp_api("PATCH", f"runs/{rid}", {"status": "FINISHED", "name": "r1b"})
    assert ended["status"] == "FINISHED" and ended["end_time"] >= ended["start_time"]
    assert ended["name"] == "r1b"


async def test_metric_keys_with_slashes(mlp_api: Any) -> None:
    _, run = await mlp_api("POST", "runs", {})
    await mlp_api(
        "POST", f"runs/{run['run_id']}/log", {"metrics": [{"key": "val/loss", "value": 2.5}]}
    )
    status, history = await mlp_api("GET", f"runs/{run['run_id']}/metrics/val/loss")
    assert status == 200 and history["values"] == [2.5]


async def test_search(mlp_api: Any) -> None:
    _, exp = await mlp_api("POST", "experiments", {"name": "grid"})
    for i, model in enumerate(["rf", "svm", "rf"]):
        _, run = await mlp_api(
            "POST",
            "runs",
            {"experiment_id": exp["experiment_id"], "name": f"r{i}", "params": {"model": model}},
        )
        await mlp_api(
            "POST",
            f"runs/{run['run_id']}/log",
            {"metrics": [{"key": "acc", "value": 0.8 + i / 100}]},
        )
    status, page = await mlp_api(
        "POST",
        "runs/search",
        {
            "experiment_ids": [exp["experiment_id"]],
            "filter": "params.model = 'rf' and metrics.acc > 0.5",
            "order_by": ["metrics.acc DESC"],
        },
    )
    assert status == 200
    assert [r["name"] for r in page["runs"]] == ["r2", "r0"]
    assert page["next_page_token"] is None


async def test_run_keys(mlp_api: Any) -> None:
    # Given runs in two experiments, one of them deleted
    _, first = await mlp_api("POST", "experiments", {"name": "first"})
    _, second = await mlp_api("POST", "experiments", {"name": "second"})
    for experiment, params, metric in [
        (first, {"lr": 0.1, "model": "rf"}, "acc"),
        (first, {"lr": 0.2, "depth": 3}, "loss"),
        (second, {"other": 1}, "other_metric"),
    ]:
        _, run = await mlp_api(
            "POST",
            "runs",
            {"experiment_id": experiment["experiment_id"], "params": params, "tags": {"t": "x"}},
        )
        await mlp_api(
            "POST", f"runs/{run['run_id']}/log", {"metrics": [{"key": metric, "value": 1}]}
        )
    _, gone = await mlp_api(
        "POST", "runs", {"experiment_id": first["experiment_id"], "params": {"gone": 1}}
    )
    await mlp_api("DELETE", f"runs/{gone['run_id']}")
    # When
    status, keys = await mlp_api("POST", "runs/keys", {"experiment_ids": [first["experiment_id"]]})
    # Then
    assert status == 200
    assert keys == {"params": ["depth", "lr", "model"], "metrics": ["acc", "loss"], "tags": ["t"]}
    _, every = await mlp_api("POST", "runs/keys", {})
    assert every["params"] == ["depth", "lr", "model", "other"]
    _, deleted = await mlp_api(
        "POST",
        "runs/keys",
        {"experiment_ids": [first["experiment_id"]], "run_view_type": "DELETED_ONLY"},
    )
    assert deleted == {"params": ["gone"], "metrics": [], "tags": []}
    # The fixed route does not shadow runs/{run_id}, nor the other way round
    status, stored = await mlp_api("GET", f"runs/{gone['run_id']}")
    assert status == 200 and stored["params"] == {"gone": "1"}


async def test_metric_histories_of_several_runs(mlp_api: Any) -> None:
    # Given three runs: two log loss and acc, one only loss; the second is deleted
    run_ids = []
    for n in range(3):
        _, run = await mlp_api("POST", "runs", {"name": f"r{n}"})
        metrics = [{"key": "loss", "value": n + 1 / (i + 1), "step": i} for i in range(300)]
        if n != 2:
            metrics += [{"key": "acc", "value": "NaN" if n else 0.5, "step": 0}]
        await mlp_api("POST", f"runs/{run['run_id']}/log", {"metrics": metrics})
        run_ids.append(run["run_id"])
    await mlp_api("DELETE", f"runs/{run_ids[1]}")
    # When
    status, reply = await mlp_api(
        "POST",
        "runs/metric-histories",
        {"run_ids": run_ids, "keys": ["loss", "acc", "missing"], "max_points": 40},
    )
    # Then: one entry per pair with points, in the order asked, as the single route answers
    assert status == 200
    pairs = [(h["run_id"], h["key"]) for h in reply["histories"]]
    assert pairs == [
        (run_ids[0], "loss"),
        (run_ids[0], "acc"),
        (run_ids[1], "loss"),
        (run_ids[1], "acc"),
        (run_ids[2], "loss"),
    ]
    for history in reply["histories"]:
        _, single = await mlp_api(
            "GET", f"runs/{history['run_id']}/metrics/{history['key']}", max_points=40
        )
        assert history == {"run_id": history["run_id"], **single}
    assert reply["histories"][0]["downsampled"] and reply["histories"][0]["total"] == 300
    assert reply["histories"][3]["values"] == ["NaN"]
    # Without max_points, every point
    _, full = await mlp_api(
        "POST", "runs/metric-histories", {"run_ids": run_ids[:1], "keys": ["loss"]}
    )
    assert len(full["histories"][0]["steps"]) == 300 and not full["histories"][0]["downsampled"]


async def test_downsampled_reads_build_a_rollup_in_the_background(
    mlp_api: Any, mlp_app: Any
) -> None:
    # Given a long history (NaN and infinities included)
    _, run = await mlp_api("POST", "runs", {})
    rid = run["run_id"]
    special = ["NaN", "Infinity", "-Infinity"]
    metrics = [
        {"key": "loss", "value": special[i % 3] if i % 997 == 0 else (i * 7919) % 1000, "step": i}
        for i in range(10_000)
    ]
    await mlp_api("POST", f"runs/{rid}/log", {"metrics": metrics})
    # When read downsampled: every point is read, and the service builds the rollup after
    status, first = await mlp_api("GET", f"runs/{rid}/metrics/loss", max_points=200)
    assert status == 200 and first["downsampled"] and first["total"] == 10_000
    rollups = mlp_app.tracking.store._metric_log.rollups
    for _ in range(200):
        if not rollups.wanted():
            break
        await asyncio.sleep(0.05)
    await mlp_app.tracking._write(lambda: None)  # the upkeep queued before it has finished
    answered = []
    original = rollups.downsampled
    rollups.downsampled = lambda *args: answered.append(original(*args)) or answered[-1]
    # Then the next reads come from the rollup, with the same points
    _, second = await mlp_api("GET", f"runs/{rid}/metrics/loss", max_points=200)
    _, several = await mlp_api(
        "POST", "runs/metric-histories", {"run_ids": [rid], "keys": ["loss"], "max_points": 200}
    )
    assert len(answered) == 2 and all(answered)
    assert second == first
    assert several["histories"] == [{"run_id": rid, **first}]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"run_ids": [], "keys": ["loss"]}, 400, "run_ids"),
        ({"run_ids": ["a"] * 101, "keys": ["loss"]}, 400, "run_ids"),
        ({"run_ids": ["a"], "keys": ["k"] * 51}, 400, "keys"),
        ({"run_ids": ["a"], "keys": []}, 400, "keys"),
        ({"run_ids": "abc", "keys": ["loss"]}, 400, "run_ids"),
        ({"run_ids": [1], "keys": ["loss"]}, 400, "run_ids"),
        ({"run_ids": ["a"], "keys": [""]}, 400, "keys"),
        ({"run_ids": ["a"], "keys": ["loss"], "max_points": 0}, 400, "max_points"),
        ({"run_ids": ["a"], "keys": ["loss"], "max_points": "many"}, 400, "max_points"),
        ({"run_ids": ["a"], "keys": ["loss"], "extra": 1}, 400, "extra"),
        ({"run_ids": ["0123456789abcdef"], "keys": ["loss"]}, 404, "run"),
        ({"experiment_ids": ["1"]}, 400, "run_ids"),
    ],
)
async def test_bad_metric_histories_bodies_get_a_json_4xx(
    mlp_api: Any, body: Any, status: int, words: str
) -> None:
    code, reply = await mlp_api("POST", "runs/metric-histories", body)
    assert code == status
    assert words in reply["message"]
    assert "Traceback" not in reply["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        ("POST", "experiments", b"{not json", 400, "not valid JSON"),
        ("POST", "experiments", {"name": 5}, 400, "name"),
        ("POST", "experiments", {"name": "x", "colour": "red"}, 400, "colour"),
        ("GET", "experiments/123456", None, 404, "experiment"),
        ("GET", "experiments/not-a-number", None, 404, "experiment"),
        ("GET", "runs/0123456789abcdef", None, 404, "run"),
        ("PATCH", "runs/unknown", {"status": "FINISHED"}, 404, "run"),
        ("PATCH", "runs/unknown", {"status": "DONE"}, 400, "status"),
        ("POST", "runs/search", {"filter": "metrics.acc > "}, 400, "position 14"),
        ("POST", "runs/search", {"filter": "params.x < 3"}, 400, "position"),
        ("POST", "runs/search", {"max_results": 0}, 400, "max_results"),
        ("POST", "runs/search", {"page_token": "garbage"}, 400, "token"),
        ("POST", "runs", {"experiment_id": "999"}, 404, "experiment"),
        ("POST", "runs", {"params": {"": "x"}}, 400, "params"),
        ("GET", "experiments", None, 400, "view"),
        ("POST", "runs/keys", {"experiment_ids": "1"}, 400, "experiment_ids"),
        ("POST", "runs/keys", {"run_view_type": "SOME"}, 400, "run_view_type"),
        ("POST", "runs/keys", {"experiment_ids": ["x"]}, 404, "experiment"),
        ("POST", "runs/keys", b"[1, 2", 400, "not valid JSON"),
    ],
)
async def test_bad_input_gets_a_json_4xx(
    mlp_api: Any, method: str, path: str, body: Any, status: int, words: str
) -> None:
    params = {"view": "SOME"} if path == "experiments" and method == "GET" else {}
    raw = body if isinstance(body, bytes) else None
    code, reply = await mlp_api(method, path, None if raw else body, raw=raw, **params)
    assert code == status
    assert words.lower() in reply["message"].lower()
    assert "Traceback" not in reply["message"]


async def test_search_syntax_errors_say_where_in_details(mlp_api: Any) -> None:
    code, reply = await mlp_api("POST", "runs/search", {"filter": "metrics.acc > "})
    assert code == 400
    assert reply["details"] == {
        "field": "filter",
        "position": 14,
        "reason": "expected a value after '>'",
    }
    code, reply = await mlp_api(
        "POST", "runs/search", {"order_by": ["metrics.acc DESC", "params.x SIDEWAYS"]}
    )
    assert code == 400
    assert reply["details"]["field"] == "order_by[1]"
    assert reply["details"]["index"] == 1
    assert reply["details"]["position"] == 9
    # Other errors carry no details.
    code, reply = await mlp_api("POST", "runs/search", {"max_results": 0})
    assert code == 400 and "details" not in reply


async def test_bad_log_batches_write_nothing(mlp_api: Any) -> None:
    _, run = await mlp_api("POST", "runs", {"params": {"lr": "0.1"}})
    rid = run["run_id"]
    good = {"key": "loss", "value": 1.0}
    bad_batches = [
        {"metrics": [good, {"key": "loss", "value": "high"}]},
        {"metrics": [good, {"key": "loss"}]},
        {"metrics": [good, {"key": "loss", "value": 1, "step": "x"}]},
        {"metrics": [good], "params": {"lr": "0.2"}},
        {"metrics": [good], "params": {"k": "v" * 7000}},
    ]
    for batch in bad_batches:
        code, reply = await mlp_api("POST", f"runs/{rid}/log", batch)
        assert code in (400, 409), reply
    _, stored = await mlp_api("GET", f"runs/{rid}")
    assert stored["metrics"] == {} and stored["params"] == {"lr": "0.1"}
    code, reply = await mlp_api("POST", "runs/nope/log", {"metrics": [good]})
    assert code == 404


async def test_oversize_bodies_are_refused(mlp_api: Any, mlp_app: Any) -> None:
    mlp_app.max_json_body = 1000
    _, run = await mlp_api("POST", "runs", {})
    metrics = [{"key": "loss", "value": 1.0}] * 100
    code, reply = await mlp_api("POST", f"runs/{run['run_id']}/log", {"metrics": metrics})
    assert code == 413 and "limited" in reply["message"]
    mlp_app.max_json_body = 10_000_000
    mlp_app.max_batch_metrics = 10
    code, reply = await mlp_api("POST", f"runs/{run['run_id']}/log", {"metrics": metrics})
    assert code == 413
    _, stored = await mlp_api("GET", f"runs/{run['run_id']}")
    assert stored["metrics"] == {}


async def test_every_route_needs_authentication(jp_fetch: Any) -> None:
    for method, parts, body in [
        ("GET", ("experiments",), None),
        ("POST", ("runs",), "{}"),
        ("POST", ("runs", "search"), "{}"),
        ("POST", ("runs", "keys"), "{}"),
        ("POST", ("runs", "metric-histories"), '{"run_ids": ["a"], "keys": ["k"]}'),
        ("GET", ("runs", "x", "metrics", "loss"), None),
        ("GET", ("openapi.json",), None),
    ]:
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(
                "mlplatform", "api", *parts, method=method, body=body, headers={"Authorization": ""}
            )
        assert info.value.code == 403


async def test_kernel_token_authenticates_as_the_owner(jp_fetch: Any, mlp_app: Any) -> None:
    token = mlp_app.kernel_credentials.token
    response = await jp_fetch(
        "mlplatform",
        "api",
        "runs",
        method="POST",
        body="{}",
        headers={"Authorization": f"token {token}"},
    )
    run = json.loads(response.body)
    assert run["user"] == mlp_app.kernel_credentials.user.name
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "mlplatform",
            "api",
            "runs",
            method="POST",
            body="{}",
            headers={"Authorization": "token wrong"},
        )
    assert info.value.code == 403
    # The kernel token opens only this extension, not the rest of Jupyter's API
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("api", "contents", headers={"Authorization": f"token {token}"})
    assert info.value.code == 403


async def test_eight_concurrent_writers_lose_nothing(mlp_api: Any) -> None:
    _, run = await mlp_api("POST", "runs", {})
    rid = run["run_id"]

    async def writer(n: int) -> None:
        for i in range(20):
            metrics = [{"key": f"w{n}", "value": float(i), "step": i}]
            status, _ = await mlp_api(
                "POST", f"runs/{rid}/log", {"metrics": metrics, "params": {f"p{n}-{i}": "v"}}
            )
            assert status == 200

    await asyncio.gather(*(writer(n) for n in range(8)))
    _, stored = await mlp_api("GET", f"runs/{rid}")
    assert len(stored["params"]) == 160
    for n in range(8):
        _, history = await mlp_api("GET", f"runs/{rid}/metrics/w{n}")
        assert history["steps"] == list(range(20))


async def test_absolute_notebook_paths_become_root_relative(mlp_api: Any, jp_root_dir: Any) -> None:
    notebook = jp_root_dir / "project" / "train.ipynb"
    _, run = await mlp_api("POST", "runs", {"source": {"notebook_path": str(notebook)}})
    assert run["source"]["notebook_path"] == "project/train.ipynb"
    _, run = await mlp_api("POST", "runs", {"source": {"notebook_path": "/elsewhere/x.ipynb"}})
    assert run["source"]["notebook_path"] == "/elsewhere/x.ipynb"


async def test_a_kernels_run_follows_its_notebook_when_renamed(
    mlp_api: Any, jp_fetch: Any, jp_root_dir: Any
) -> None:
    """The kernel's JPY_SESSION_NAME is fixed at start; the server's session is not."""
    (jp_root_dir / "Untitled.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    reply = await jp_fetch(
        "api",
        "sessions",
        method="POST",
        body=json.dumps(
            {"path": "Untitled.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
        ),
    )
    session = json.loads(reply.body)
    kernel_id = session["kernel"]["id"]
    try:
        await jp_fetch(
            "api",
            "sessions",
            session["id"],
            method="PATCH",
            body=json.dumps({"path": "renamed.ipynb"}),
        )
        _, run = await mlp_api(
            "POST",
            "runs",
            {"source": {"notebook_path": "Untitled.ipynb", "kernel_id": kernel_id}},
        )
        assert run["source"]["notebook_path"] == "renamed.ipynb"
        assert run["source"]["kernel_id"] == kernel_id
        # An unknown kernel keeps what the client said.
        _, run = await mlp_api(
            "POST", "runs", {"source": {"notebook_path": "a.ipynb", "kernel_id": "nope"}}
        )
        assert run["source"]["notebook_path"] == "a.ipynb"
    finally:
        await jp_fetch("api", "sessions", session["id"], method="DELETE")


async def test_scripts_holding_the_server_token_act_as_its_owner(
    mlp_api: Any, mlp_app: Any
) -> None:
    """jp_fetch sends the Jupyter token in a header and keeps no cookie, like a script."""
    _, first = await mlp_api("POST", "runs", {})
    _, second = await mlp_api("POST", "runs", {})
    owner = mlp_app.kernel_credentials.user.name
    assert first["user"] == second["user"] == owner
