"""Bad input through a real server, on SQLite and PostgreSQL: integers past 64 bits, deep
JSON, Unicode digits in filters and over-long artifact names are each a 400 that names what
is wrong (MLflow's error shape on its routes), never a 500, and write nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.mlflow_api.test_http_api import ARTIFACTS, Call

TOO_BIG = 2**63
TOO_SMALL = -(2**63) - 1
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
DEEP = "[" * 5000 + "]" * 5000
DEEP_TOKEN = base64.urlsafe_b64encode(DEEP.encode()).decode()


@pytest.fixture
def mlflow_call(jp_fetch: Any) -> Call:
    """``await mlflow_call("POST", "runs/create", {...})`` -> (status, JSON) on MLflow's
    routes; ``path`` may carry a query string; errors don't raise."""

    async def call(
        method: str,
        path: str,
        body: Any = None,
        raw: bytes | None = None,
        api: str = "api/2.0/mlflow",
    ) -> tuple[int, Any]:
        if raw is None and body is not None:
            raw = json.dumps(body).encode()
        if raw is None and method in ("POST", "PUT", "PATCH"):
            raw = b""
        route, _, query = path.partition("?")
        params = dict(item.split("=", 1) for item in query.split("&")) if query else None
        try:
            response = await jp_fetch(
                "mlplatform",
                "mlflow",
                *api.split("/"),
                *route.split("/"),
                method=method,
                body=raw,
                params=params,
            )
        except HTTPClientError as e:
            assert e.response is not None
            return e.code, json.loads(e.response.body)
        return response.code, json.loads(response.body) if response.body else None

    return call


@pytest.fixture
def mlp_app_config(mlp_app_config: dict[str, Any], mlp_store_uri: str) -> dict[str, Any]:
    return {**mlp_app_config, "tracking_uri": mlp_store_uri}


async def _stored(mlp_api: Any) -> dict[str, Any]:
    """Everything a write could have changed: experiments, runs, histories, artifacts."""
    _, experiments = await mlp_api("GET", "experiments", view="ALL")
    _, page = await mlp_api("POST", "runs/search", {"run_view_type": "ALL"})
    state: dict[str, Any] = {"experiments": experiments, "runs": page["runs"]}
    for run in page["runs"]:
        rid = run["run_id"]
        for key in run["metrics"]:
            _, state[f"{rid}/{key}"] = await mlp_api("GET", f"runs/{rid}/metrics/{key}")
        _, state[f"{rid}/artifacts"] = await mlp_api("GET", f"runs/{rid}/artifacts")
    return state


async def _a_run(mlp_api: Any) -> dict[str, Any]:
    _, run = await mlp_api("POST", "runs", {"experiment_name": "bad-input", "name": "r"})
    point = {"key": "x", "value": 1.0, "step": 0, "timestamp": 1}
    await mlp_api("POST", f"runs/{run['run_id']}/log", {"metrics": [point]})
    return run  # type: ignore[no-any-return]


async def test_integers_past_64_bits_are_a_400_naming_the_field(mlp_api: Any) -> None:
    # Given a run with one point
    run = await _a_run(mlp_api)
    rid, eid = run["run_id"], run["experiment_id"]
    before = await _stored(mlp_api)
    good = {"key": "x", "value": 2.0, "step": 1}
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "runs", {"experiment_id": eid, "start_time": TOO_BIG}, "start_time"),
        ("POST", "runs", {"experiment_id": eid, "start_time": TOO_SMALL}, "start_time"),
        ("PATCH", f"runs/{rid}", {"end_time": TOO_BIG, "status": "FINISHED"}, "end_time"),
        ("POST", f"runs/{rid}/log", {"metrics": [good, {**good, "step": TOO_BIG}]}, "step"),
        ("POST", f"runs/{rid}/log", {"metrics": [good, {**good, "step": 10**30}]}, "step"),
        (
            "POST",
            f"runs/{rid}/log",
            {"metrics": [good, {**good, "timestamp": TOO_SMALL}], "params": {"p": "1"}},
            "timestamp",
        ),
        ("POST", "runs/search", {"filter": f"attributes.start_time > {TOO_BIG}"}, "start_time"),
        ("POST", "runs/search", {"filter": f"end_time < {TOO_SMALL}"}, "end_time"),
        ("POST", "runs/search", {"filter": f"attributes.duration >= {10**30}"}, "duration"),
    ]
    for method, route, body, field in cases:
        # When
        status, reply = await mlp_api(method, route, body)
        # Then
        assert status == 400, (route, body, reply)
        assert field in reply["message"], (route, reply)
        if route != "runs/search":  # (a filter's error shows where in it, with an excerpt)
            assert str(TOO_SMALL) not in reply["message"]  # the value is not echoed
    assert await _stored(mlp_api) == before


async def test_the_64_bit_extremes_are_stored_and_searched(mlp_api: Any) -> None:
    # Given a run from the first to the last 64-bit millisecond, and points at both ends
    status, run = await mlp_api(
        "POST", "runs", {"experiment_name": "extremes", "start_time": INT64_MIN}
    )
    assert status == 201
    rid = run["run_id"]
    status, _ = await mlp_api("PATCH", f"runs/{rid}", {"end_time": INT64_MAX})
    assert status == 200
    points = [
        {"key": "x", "value": 1.0, "step": INT64_MAX, "timestamp": INT64_MIN},
        {"key": "x", "value": 2.0, "step": INT64_MIN, "timestamp": INT64_MAX},
    ]
    assert (await mlp_api("POST", f"runs/{rid}/log", {"metrics": points}))[0] == 200
    # When it is searched by duration (whose difference is past 64 bits) and its history read
    status, found = await mlp_api("POST", "runs/search", {"filter": "attributes.duration > 0"})
    assert status == 200 and [r["run_id"] for r in found["runs"]] == [rid]
    status, found = await mlp_api("POST", "runs/search", {"order_by": ["duration DESC"]})
    assert status == 200 and [r["run_id"] for r in found["runs"]] == [rid]
    status, found = await mlp_api(
        "POST", "runs/search", {"filter": f"attributes.start_time <= {INT64_MIN}"}
    )
    assert status == 200 and [r["run_id"] for r in found["runs"]] == [rid]
    # Then the values come back exactly
    _, history = await mlp_api("GET", f"runs/{rid}/metrics/x")
    assert history["steps"] == [INT64_MIN, INT64_MAX]
    assert history["timestamps"] == [INT64_MAX, INT64_MIN]
    _, stored = await mlp_api("GET", f"runs/{rid}")
    assert (stored["start_time"], stored["end_time"]) == (INT64_MIN, INT64_MAX)


@pytest.mark.parametrize(
    "text, position",
    [
        ("metrics.x > \u0661\u0662", 12),  # Arabic-Indic twelve: float() reads it as 12.0
        ("metrics.x > \u00b2", 12),  # superscript two: isdigit(), but float() fails
        ("metrics.x > 1\u0662", 12),
        ("attributes.start_time > \uff11", 24),  # fullwidth one
        ("params.p = 'a' and metrics.x \u2265 1", 29),  # a Unicode operator
    ],
)
async def test_unicode_digits_in_filters_are_a_400_with_the_position(
    mlp_api: Any, mlflow_call: Call, text: str, position: int
) -> None:
    eid = (await _a_run(mlp_api))["experiment_id"]
    # When
    status, reply = await mlp_api("POST", "runs/search", {"filter": text})
    # Then
    assert status == 400, reply
    assert reply["details"]["position"] == position, reply
    assert f"position {position}" in reply["message"]
    status, reply = await mlflow_call(
        "POST", "runs/search", {"experiment_ids": [eid], "filter": text}
    )
    assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", reply
    assert f"position {position}" in reply["message"]


@pytest.mark.parametrize(
    "text, position",
    [
        ("creation_time > \u0661\u0662", 16),
        ("attributes.creation_time < \u00b2", 27),
        ("name = 'a' and last_update_time >= 1\u0662", 35),
    ],
)
async def test_unicode_digits_in_mlflow_experiment_filters_are_a_400_with_the_position(
    mlflow_call: Call, text: str, position: int
) -> None:
    status, reply = await mlflow_call("POST", "experiments/search", {"filter": text})
    assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", reply
    assert f"position {position}" in reply["message"], reply


async def test_mlflow_integer_fields_past_64_bits_are_a_400_naming_the_field(
    mlp_api: Any, mlflow_call: Call
) -> None:
    # Given a run with one point, and a logged model
    run = await _a_run(mlp_api)
    rid, eid = run["run_id"], run["experiment_id"]
    status, model = await mlflow_call("POST", "logged-models", {"experiment_id": eid})
    assert status == 200, model
    model_id = model["model"]["info"]["model_id"]
    _, mlflow_run_before = await mlflow_call("GET", f"runs/get?run_id={rid}")
    before = await _stored(mlp_api)
    good = {"key": "x", "value": 2.0, "step": 1, "timestamp": 5}
    cases: list[tuple[str, Any, str]] = [
        ("runs/create", {"experiment_id": eid, "start_time": TOO_BIG}, "start_time"),
        ("runs/create", {"experiment_id": eid, "start_time": str(TOO_SMALL)}, "start_time"),
        ("runs/update", {"run_id": rid, "end_time": TOO_BIG, "status": "FINISHED"}, "end_time"),
        ("runs/log-metric", {"run_id": rid, **good, "step": TOO_BIG}, "step"),
        ("runs/log-metric", {"run_id": rid, **good, "timestamp": str(TOO_BIG)}, "timestamp"),
        (
            "runs/log-batch",
            {"run_id": rid, "metrics": [good, {**good, "step": TOO_SMALL}]},
            "step",
        ),
        (
            "runs/log-batch",
            {"run_id": rid, "metrics": [good, {**good, "timestamp": TOO_BIG}]},
            "timestamp",
        ),
        (
            "runs/outputs",
            {"run_id": rid, "models": [{"model_id": model_id, "step": TOO_BIG}]},
            "step",
        ),
        ("runs/search", {"experiment_ids": [eid], "filter": f"start_time > {TOO_BIG}"}, "range"),
        ("experiments/search", {"filter": f"creation_time > {TOO_BIG}"}, "range"),
        ("experiments/search", {"filter": f"last_update_time < {TOO_SMALL}"}, "range"),
    ]
    for route, body, field in cases:
        # When
        status, reply = await mlflow_call("POST", route, body)
        # Then
        assert status == 400, (route, body, reply)
        assert reply["error_code"] == "INVALID_PARAMETER_VALUE"
        assert field in reply["message"], (route, reply)
    assert await _stored(mlp_api) == before
    _, mlflow_run_after = await mlflow_call("GET", f"runs/get?run_id={rid}")
    assert mlflow_run_after == mlflow_run_before


async def test_deep_json_is_a_400(mlp_api: Any, mlflow_call: Call) -> None:
    # Given a run with one point
    run = await _a_run(mlp_api)
    rid, eid = run["run_id"], run["experiment_id"]
    before = await _stored(mlp_api)
    # When JSON nested thousands deep comes as a body, in page tokens or in model_json
    status, reply = await mlp_api("POST", "runs", raw=('{"name": ' + DEEP + "}").encode())
    assert status == 400 and "JSON" in reply["message"], reply
    status, reply = await mlp_api("POST", "runs/search", {"page_token": DEEP_TOKEN[:4000]})
    assert status == 400 and "page_token" in reply["message"], reply
    for route, body in [
        ("experiments/search", {"page_token": DEEP_TOKEN}),
        ("logged-models/search", {"experiment_ids": [eid], "page_token": DEEP_TOKEN}),
        ("runs/search", {"experiment_ids": [eid], "page_token": DEEP_TOKEN}),
        ("runs/log-model", {"run_id": rid, "model_json": DEEP}),
        ("runs/log-batch", {"run_id": rid, "metrics": json.loads("[" * 150 + "]" * 150)}),
    ]:
        status, reply = await mlflow_call("POST", route, body)
        # Then
        assert status == 400, (route, reply)
        assert reply["error_code"] == "INVALID_PARAMETER_VALUE", (route, reply)
    status, reply = await mlflow_call(
        "GET", f"metrics/get-history?run_id={rid}&metric_key=x&page_token={DEEP_TOKEN}"
    )
    assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", reply
    status, reply = await mlflow_call(
        "POST",
        "runs/log-batch",
        raw=('{"run_id": "' + rid + '", "metrics": ' + DEEP + "}").encode(),
    )
    assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", reply
    # And nothing was written (the model record was not added to the run's tags)
    assert await _stored(mlp_api) == before


async def test_over_long_artifact_names_are_a_400_and_leave_no_file(
    mlp_api: Any, mlflow_call: Call, mlp_data_dir: Path
) -> None:
    # Given a run
    run = await _a_run(mlp_api)
    rid, eid = run["run_id"], run["experiment_id"]
    before = await _stored(mlp_api)
    on_disk = sorted(p.relative_to(mlp_data_dir) for p in mlp_data_dir.rglob("*"))
    too_long = [
        "a" * 300,  # over NAME_MAX
        "d/" + "é" * 120 + "/f",  # 240 bytes in UTF-8, 122 characters
        "/".join(["b" * 200] * 30),  # each name fine, the whole over PATH_MAX
    ]
    for name in too_long:
        # When it is uploaded, read and listed through our API
        status, reply = await mlp_api("PUT", f"runs/{rid}/artifacts/{name}", raw=b"data")
        # Then
        assert status == 400 and "limited to" in reply["message"], reply
        status, reply = await mlp_api("GET", f"runs/{rid}/artifacts/{name}")
        assert status == 400, reply
        status, reply = await mlp_api("GET", f"runs/{rid}/artifacts", path=name)
        assert status == 400, reply
        # And through MLflow's artifact proxy
        root = f"{eid}/{rid}/artifacts"
        status, reply = await mlflow_call(
            "PUT", f"artifacts/{root}/{name}", raw=b"data", api=ARTIFACTS
        )
        assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", reply
        status, reply = await mlflow_call("GET", f"artifacts/{root}/{name}", api=ARTIFACTS)
        assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", reply
    # And nothing was written, in the store or on disk
    assert await _stored(mlp_api) == before
    now_on_disk = sorted(p.relative_to(mlp_data_dir) for p in mlp_data_dir.rglob("*"))
    assert [p for p in now_on_disk if not p.name.startswith("tracking.db")] == [
        p for p in on_disk if not p.name.startswith("tracking.db")
    ]
    # A name at the limit is fine
    status, reply = await mlp_api("PUT", f"runs/{rid}/artifacts/{'c' * 211}", raw=b"ok")
    assert status == 201, reply


async def test_nul_characters_are_a_400_on_every_backend(mlp_api: Any, mlflow_call: Call) -> None:
    # Given a run (PostgreSQL cannot store a NUL character in text at all)
    run = await _a_run(mlp_api)
    rid, eid = run["run_id"], run["experiment_id"]
    before = await _stored(mlp_api)
    nul = "a\u0000b"
    cases: list[tuple[str, str, Any]] = [
        ("POST", "experiments", {"name": nul}),
        ("PATCH", f"experiments/{eid}", {"description": nul}),
        ("POST", "runs", {"experiment_id": eid, "name": nul}),
        ("POST", f"runs/{rid}/log", {"params": {"p": nul}}),
        ("POST", f"runs/{rid}/log", {"tags": {"t": nul}}),
        ("POST", "runs/search", {"filter": f"params.p = '{nul}'"}),
        ("POST", "runs/search", {"filter": f"tags.t LIKE '%{nul}%'"}),
        ("GET", f"runs/{rid}\u0000", None),
        ("GET", f"experiments/{eid}\u0000", None),
    ]
    for method, route, body in cases:
        # When
        status, reply = await mlp_api(method, route, body)
        # Then
        assert status == 400 and "NUL" in reply["message"], (route, body, reply)
    for route, body in [
        ("experiments/create", {"name": nul}),
        ("runs/set-tag", {"run_id": rid, "key": "t", "value": nul}),
        ("runs/log-parameter", {"run_id": rid, "key": "p", "value": nul}),
        ("runs/search", {"experiment_ids": [eid], "filter": f"tags.t = '{nul}'"}),
    ]:
        status, reply = await mlflow_call("POST", route, body)
        assert status == 400 and reply["error_code"] == "INVALID_PARAMETER_VALUE", (route, reply)
    # An escaped backslash before "u0000" is text, not a NUL
    status, reply = await mlp_api("POST", f"runs/{rid}/log", raw=b'{"tags": {"t": "C:\\\\u0000"}}')
    assert status == 200, reply
    _, stored = await mlp_api("GET", f"runs/{rid}")
    assert stored["tags"] == {"t": "C:\\u0000"}
    stored["tags"] = {}
    assert stored == next(r for r in before["runs"] if r["run_id"] == rid)


@pytest.mark.parametrize("experiment_id", ["\u0661", "\uff11", " 1", "1_0", "+1"])
async def test_experiment_ids_are_ascii_digits(
    mlp_api: Any, mlflow_call: Call, experiment_id: str
) -> None:
    # Given experiment 1 (and 10)
    await _a_run(mlp_api)
    for _ in range(9):
        await mlp_api("POST", "experiments", {"name": f"e{_}"})
    # When another spelling of its id is used
    status, reply = await mlp_api("POST", "runs", {"experiment_id": experiment_id})
    # Then it names no experiment
    assert status == 404, reply
    status, reply = await mlflow_call("POST", "runs/create", {"experiment_id": experiment_id})
    assert status == 404 and reply["error_code"] == "RESOURCE_DOES_NOT_EXIST", reply


async def test_a_deep_model_description_uploaded_as_an_artifact_is_listed_without_flavor(
    mlp_api: Any,
) -> None:
    # Given a run
    rid = (await _a_run(mlp_api))["run_id"]
    # When a model package's description nested thousands deep is uploaded
    status, reply = await mlp_api(
        "PUT", f"runs/{rid}/artifacts/model/mlplatform_model.json", raw=DEEP.encode()
    )
    # Then it is stored, and the run lists the model with no flavor (as for any non-JSON)
    assert status == 201, reply
    _, run = await mlp_api("GET", f"runs/{rid}")
    assert json.loads(run["tags"]["mlplatform.models"]) == [
        {"artifact_path": "model", "flavor": None}
    ]


async def test_a_list_tag_set_to_deep_json_is_read_as_empty(
    mlp_api: Any, mlflow_call: Call
) -> None:
    # Given a run whose model-history tag someone set to JSON nested thousands deep (within
    # the tag's 8,000 characters)
    rid = (await _a_run(mlp_api))["run_id"]
    deep = "[" * 3900 + "]" * 3900
    status, _ = await mlflow_call(
        "POST", "runs/set-tag", {"run_id": rid, "key": "mlflow.log-model.history", "value": deep}
    )
    assert status == 200
    # When a model record is added to that tag
    record = json.dumps({"artifact_path": "model", "flavors": {}})
    status, reply = await mlflow_call(
        "POST", "runs/log-model", {"run_id": rid, "model_json": record}
    )
    # Then the unreadable list counts as empty: the record replaces it, no 500
    assert status == 200, reply
    _, got = await mlflow_call("GET", f"runs/get?run_id={rid}")
    tags = {tag["key"]: tag["value"] for tag in got["run"]["data"]["tags"]}
    assert json.loads(tags["mlflow.log-model.history"]) == [json.loads(record)]
