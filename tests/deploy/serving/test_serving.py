"""The scoring server as a real process on a free port, serving real model packages:
every request format, every error, auth with a keys file, metrics, batching, workers and
a model that cannot load."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
import requests

from jupyterlab_mlplatform.deploy.model import load_model, save_model
from jupyterlab_mlplatform.deploy.serving.keys import generate_key, hash_key, write_keys_file

RNG = np.random.default_rng(0)
COLUMNS = [f"x{i}" for i in range(10)]
NUMERIC = pd.DataFrame(RNG.normal(size=(200, 10)), columns=COLUMNS)
NUMERIC_Y = (NUMERIC.x0 + NUMERIC.x1 > 0).astype(int)
MIXED = pd.DataFrame(
    {
        "city": RNG.choice(["paris", "lyon", "nice"], size=120),
        "age": RNG.integers(18, 80, size=120),
        "income": RNG.normal(50, 10, size=120),
    }
)
MIXED_Y = ((MIXED.city == "paris") | (MIXED.income > 55)).astype(int)
JSON = {"Content-Type": "application/json"}
MAX_BODY = 100_000


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str
    model_dir: Path

    def post(self, body: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return requests.post(
            f"{self.url}/invocations", data=data, headers=headers or JSON, timeout=30, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return requests.get(f"{self.url}{path}", timeout=30, **kwargs)

    def metric(self, name: str, labels: str = "", **kwargs: Any) -> float:
        text = self.get("/metrics", **kwargs).text
        pattern = rf"^mlplatform_serving_{re.escape(name)}{re.escape(labels)} (\S+)$"
        found = re.search(pattern, text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0


def launch(model_dir: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "jupyterlab_mlplatform.deploy.serving"]
    command += ["--model-dir", str(model_dir), "--port", "0", *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_event(proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    """The first JSON event line on stdout (the process may exit after it)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = proc.stdout.readline()
                if line.startswith("{"):
                    event: dict[str, Any] = json.loads(line)
                    return event
                if not line and proc.poll() is not None:
                    break
    raise AssertionError(f"No event from the server (exit {proc.poll()})")


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def tensor_function() -> Any:
    """A plain function of a 3-D array, defined as if in ``__main__`` so that cloudpickle
    saves it by value (the server process cannot import this test module)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(  # noqa: S102 - a test model
        "import numpy as np\n"
        "def total(x):\n"
        "    return np.asarray(x).reshape(len(x), -1).sum(axis=1)\n",
        namespace,
    )
    return namespace["total"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import lightgbm as lgb
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    root = tmp_path_factory.mktemp("models")
    numeric = LogisticRegression().fit(NUMERIC, NUMERIC_Y)
    mixed = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [("city", OneHotEncoder(handle_unknown="ignore"), ["city"])],
                    remainder="passthrough",
                ),
            ),
            ("model", LogisticRegression(max_iter=500)),
        ]
    ).fit(MIXED, MIXED_Y)
    booster = lgb.LGBMRegressor(n_estimators=10, verbose=-1).fit(
        NUMERIC[COLUMNS[:3]], NUMERIC.x0 * 2
    )
    save_model(numeric, root / "numeric", input_example=NUMERIC.head(3), run_id="run-123")
    save_model(mixed, root / "mixed", input_example=MIXED.head(3))
    save_model(booster, root / "lightgbm", input_example=NUMERIC[COLUMNS[:3]].head(3))
    save_model(tensor_function(), root / "tensor", input_example=RNG.normal(size=(2, 2, 3)))
    (root / "broken").mkdir()
    (root / "broken" / "mlplatform_model.json").write_text('{"flavor": "sklearn"}')
    return {p.name: p for p in root.iterdir()}


@pytest.fixture(scope="module")
def keys_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    path = tmp_path_factory.mktemp("keys") / "keys"
    key = generate_key("alice")
    write_keys_file(str(path), {"alice": hash_key(key)})
    yield path, key


@pytest.fixture(scope="module")
def servers(models: dict[str, Path], keys_file: tuple[Path, str]) -> Iterator[dict[str, Server]]:
    """All servers, started at the same time (each takes about 2 s to load)."""
    specs = {
        "numeric": (models["numeric"], ["--batch-max-size", "32", "--batch-timeout-ms", "5"]),
        "plain": (models["numeric"], ["--max-body-bytes", str(MAX_BODY), "--version", "7"]),
        "mixed": (models["mixed"], []),
        "lightgbm": (models["lightgbm"], ["--batch-max-size", "8"]),
        "tensor": (models["tensor"], []),
        "auth": (
            models["numeric"],
            ["--keys-file", str(keys_file[0]), "--workers", "2", "--batch-max-size", "8"],
        ),
    }
    procs = {
        name: (launch(model_dir, *args), model_dir) for name, (model_dir, args) in specs.items()
    }
    try:
        started = {}
        for name, (proc, model_dir) in procs.items():
            event = wait_event(proc)
            assert event["event"] == "ready", event
            started[name] = Server(proc, f"http://127.0.0.1:{event['port']}", model_dir)
        yield started
    finally:
        for proc, _ in procs.values():
            stop(proc)


def in_process(model_dir: Path, frame: Any) -> list[Any]:
    predictions: list[Any] = load_model(model_dir).predict(frame).tolist()
    return predictions


# -- formats ---------------------------------------------------------------------------

ROWS = NUMERIC.tail(4)


@pytest.mark.parametrize("name", ["numeric", "plain"])
def test_every_format_predicts_as_the_model_does(servers: dict[str, Server], name: str) -> None:
    server = servers[name]
    expected = in_process(server.model_dir, ROWS)
    split = {"columns": COLUMNS, "data": ROWS.to_numpy().tolist()}
    records = ROWS.to_dict(orient="records")
    bodies = [
        {"dataframe_split": split},
        {"dataframe_split": {**split, "index": [10, 11, 12, 13]}, "params": {}},
        {"dataframe_split": {"data": split["data"]}},  # no columns: the signature's order
        {  # columns in another order, and one the model does not know (ignored)
            "dataframe_split": {
                "columns": [*COLUMNS[::-1], "extra"],
                "data": [[*row[::-1], 0] for row in split["data"]],
            }
        },
        {"dataframe_records": records},
        {"instances": records},
        {"instances": split["data"]},
        {"inputs": {c: ROWS[c].tolist() for c in COLUMNS}},
        {"inputs": split["data"]},
    ]
    for body in bodies:
        response = server.post(body)
        assert response.status_code == 200, (body, response.text)
        assert response.json() == {"predictions": expected}
    csv = ROWS.to_csv(index=False)
    response = server.post(csv, headers={"Content-Type": "text/csv; charset=utf-8"})
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": expected}


def test_mixed_types_and_another_flavor(servers: dict[str, Server]) -> None:
    rows = MIXED.head(5)
    expected = in_process(servers["mixed"].model_dir, rows)
    for body in (
        {"dataframe_records": rows.to_dict(orient="records")},
        {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))},
    ):
        response = servers["mixed"].post(body)
        assert response.status_code == 200, response.text
        assert response.json()["predictions"] == expected
    response = servers["mixed"].post(rows.to_csv(index=False), headers={"Content-Type": "text/csv"})
    assert response.json()["predictions"] == expected
    # an integral float for a long column is accepted; a fraction is not
    record = {"city": "lyon", "age": 30.0, "income": 50}
    assert servers["mixed"].post({"dataframe_records": [record]}).status_code == 200
    response = servers["mixed"].post({"dataframe_records": [{**record, "age": 30.5}]})
    assert response.status_code == 400
    assert response.json()["column"] == "age"
    response = servers["mixed"].post({"dataframe_records": [{**record, "city": 3}]})
    assert (response.status_code, response.json()["column"]) == (400, "city")

    lgb_rows = NUMERIC[COLUMNS[:3]].head(6)
    response = servers["lightgbm"].post({"dataframe_records": lgb_rows.to_dict(orient="records")})
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == pytest.approx(
        in_process(servers["lightgbm"].model_dir, lgb_rows)
    )


def test_tensor_signature(servers: dict[str, Server]) -> None:
    data = RNG.normal(size=(3, 2, 3))
    expected = in_process(servers["tensor"].model_dir, data)
    for body in ({"inputs": data.tolist()}, {"instances": data.tolist()}):
        response = servers["tensor"].post(body)
        assert response.status_code == 200, response.text
        assert response.json()["predictions"] == pytest.approx(expected)
    response = servers["tensor"].post({"inputs": RNG.normal(size=(3, 3, 3)).tolist()})
    assert response.status_code == 400
    assert "axis 1" in response.json()["message"]


# -- errors ----------------------------------------------------------------------------


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    assert body["message"]
    return body


def test_bad_input_is_a_400_naming_the_column(servers: dict[str, Server]) -> None:
    server = servers["plain"]
    row = NUMERIC.iloc[0].tolist()
    error(server.post(b"{not json"), 400, "MALFORMED_REQUEST")
    error(server.post(b"\xff\xfe"), 400, "MALFORMED_REQUEST")
    error(server.post(b""), 400, "MALFORMED_REQUEST")
    error(server.post([1, 2]), 400, "MALFORMED_REQUEST")
    error(server.post({"data": [row]}), 400, "MALFORMED_REQUEST")
    error(server.post({"inputs": [row], "instances": [row]}), 400, "MALFORMED_REQUEST")
    error(server.post({"dataframe_split": {"columns": COLUMNS}}), 400, "MALFORMED_REQUEST")
    error(server.post({"dataframe_split": {"data": [row, row[:3]]}}), 400, "MALFORMED_REQUEST")
    error(server.post({"dataframe_split": {"data": []}}), 400, "INVALID_PARAMETER_VALUE")

    missing = error(
        server.post({"dataframe_split": {"columns": COLUMNS[:9], "data": [row[:9]]}}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert missing["column"] == "x9" and "'x9'" in missing["message"]
    renamed = {"columns": [*COLUMNS[:3], "x99", *COLUMNS[4:]], "data": [row]}
    wrong_name = error(server.post({"dataframe_split": renamed}), 400, "INVALID_PARAMETER_VALUE")
    assert wrong_name["column"] == "x3" and "x99" in wrong_name["message"]
    record = dict(zip(COLUMNS, row, strict=True))
    for value, got in (("abc", "string"), (True, "boolean"), ([1], "array")):
        body = error(
            server.post({"dataframe_records": [{**record, "x4": value}]}),
            400,
            "INVALID_PARAMETER_VALUE",
        )
        assert body["column"] == "x4" and got in body["message"], body
    wrong_type = error(
        server.post({"dataframe_split": {"columns": COLUMNS, "data": [[*row[:9], "high"]]}}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert wrong_type["column"] == "x9"
    nulls = error(
        server.post({"dataframe_records": [{**record, "x2": None}]}), 400, "INVALID_PARAMETER_VALUE"
    )
    assert nulls["column"] == "x2" and "null" in nulls["message"]
    csv = ",".join(COLUMNS) + "\n" + ",".join(["1"] * 9 + ["oops"]) + "\n"
    bad_csv = error(
        server.post(csv, headers={"Content-Type": "text/csv"}), 400, "INVALID_PARAMETER_VALUE"
    )
    assert bad_csv["column"] == "x9"
    # The server's own messages never echo a value that was sent.
    assert "high" not in wrong_type["message"] and "oops" not in bad_csv["message"]


def test_http_errors(servers: dict[str, Server]) -> None:
    server = servers["plain"]
    body = {"inputs": [NUMERIC.iloc[0].tolist()]}
    error(server.post(body, headers={"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE")
    response = requests.post(
        f"{server.url}/invocations", data=json.dumps(body).encode(), timeout=10
    )  # no Content-Type at all
    error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    big = json.dumps({"inputs": [[0.5] * 10] * 5000})
    assert len(big) > MAX_BODY
    error(server.post(big), 413, "REQUEST_LIMIT_EXCEEDED")

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 10_000

    response = requests.post(f"{server.url}/invocations", data=chunks(), headers=JSON, timeout=10)
    error(response, 413, "REQUEST_LIMIT_EXCEEDED")  # chunked, no Content-Length
    error(server.get("/nowhere"), 404, "ENDPOINT_NOT_FOUND")
    error(server.get("/invocations"), 405, "METHOD_NOT_ALLOWED")
    error(requests.delete(f"{server.url}/health", timeout=10), 405, "METHOD_NOT_ALLOWED")
    # the server is fine after all that, on a new and on a kept-alive connection
    assert server.post(body).status_code == 200
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(f"{server.url}/nowhere", timeout=10).status_code == 404
            response = session.post(
                f"{server.url}/invocations", data=json.dumps(body), headers=JSON, timeout=10
            )
            assert response.status_code == 200


# -- documents -------------------------------------------------------------------------


def test_health_metadata_and_openapi(servers: dict[str, Server]) -> None:
    server = servers["plain"]
    assert server.get("/health").json() == {"status": "ok"}
    assert server.get("/ping").status_code == 200
    metadata = server.get("/metadata").json()
    assert metadata["run_id"] == "run-123"
    assert metadata["version"] == 7
    assert metadata["flavor"] == "sklearn"
    assert [c["name"] for c in metadata["signature"]["inputs"]] == COLUMNS
    assert metadata["input_example"]["dataframe_split"]["columns"] == COLUMNS
    assert metadata["server"]["max_body_bytes"] == MAX_BODY

    document = server.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["version"] == "7"  # OpenAPI wants a string
    operation = document["paths"]["/invocations"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert {"200", "400", "413", "415"} <= set(operation["responses"])
    assert set(document["paths"]) == {
        "/invocations", "/health", "/metadata", "/openapi.json", "/metrics"
    }  # fmt: skip
    schemas = document["components"]["schemas"]
    split = schemas["Request_dataframe_split"]["properties"]["dataframe_split"]
    assert split["properties"]["columns"]["items"]["enum"] == COLUMNS
    assert [i["type"] for i in split["properties"]["data"]["items"]["prefixItems"]] == [
        "number"
    ] * 10
    record = schemas["Request_dataframe_records"]["properties"]["dataframe_records"]["items"]
    assert record["required"] == COLUMNS
    # Every example validates against its format's schema, and what the server refuses
    # does not.
    examples = content["application/json"]["examples"]
    assert set(examples) == {"dataframe_split", "dataframe_records", "instances", "inputs"}
    for fmt, example in examples.items():
        jsonschema.Draft202012Validator(schemas[f"Request_{fmt}"]).validate(example["value"])
        assert server.post(example["value"]).status_code == 200
    csv_example = content["text/csv"]["example"]
    assert csv_example.splitlines()[0] == ",".join(COLUMNS)
    response = server.post(csv_example, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200 and len(response.json()["predictions"]) == 3
    bad = {"dataframe_records": [{c: "x" for c in COLUMNS}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schemas["Request_dataframe_records"]).validate(bad)

    mixed = servers["mixed"].get("/openapi.json").json()["components"]["schemas"]
    properties = mixed["Request_dataframe_records"]["properties"]["dataframe_records"]["items"]
    assert {k: v["type"] for k, v in properties["properties"].items()} == {
        "city": "string",
        "age": "integer",
        "income": "number",
    }
    tensor = servers["tensor"].get("/openapi.json").json()["components"]["schemas"]
    inputs = tensor["Request_inputs"]["properties"]["inputs"]
    assert inputs["items"]["items"]["minItems"] == 3


def test_metrics_count_requests_errors_and_latency(servers: dict[str, Server]) -> None:
    server = servers["plain"]
    ok = '{handler="/invocations",code="200"}'
    bad = '{handler="/invocations",code="400"}'
    before = (
        server.metric("requests_total", ok),
        server.metric("requests_total", bad),
        server.metric("errors_total", '{error_code="MALFORMED_REQUEST"}'),
        server.metric("request_duration_seconds_count", '{handler="/invocations"}'),
    )
    for _ in range(3):
        assert server.post({"inputs": [NUMERIC.iloc[0].tolist()]}).status_code == 200
    assert server.post(b"{").status_code == 400
    after = (
        server.metric("requests_total", ok),
        server.metric("requests_total", bad),
        server.metric("errors_total", '{error_code="MALFORMED_REQUEST"}'),
        server.metric("request_duration_seconds_count", '{handler="/invocations"}'),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 1, 1, 4]
    text = server.get("/metrics").text
    assert server.get("/metrics").headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE mlplatform_serving_request_duration_seconds histogram" in text
    assert (
        'mlplatform_serving_request_duration_seconds_bucket{handler="/invocations",le="+Inf"}'
        in text
    )
    assert server.metric("model_load_seconds") > 0
    assert server.metric("in_flight_requests") == 1  # this scrape
    assert re.search(r'^mlplatform_serving_model_info\{.*version="7".*\} 1$', text, re.MULTILINE)
    for line in text.splitlines():  # the exposition format, line by line
        assert line.startswith("# ") or re.match(r"^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$", line), line


# -- batching, workers, keys -----------------------------------------------------------


def test_concurrent_requests_share_predict_calls(servers: dict[str, Server]) -> None:
    server = servers["numeric"]
    batches = server.metric("predict_batches_total")
    predicted = server.metric("predict_requests_total")
    rows = NUMERIC.head(16)
    expected = in_process(server.model_dir, rows)

    def client(i: int) -> list[Any]:
        answers = []
        with requests.Session() as session:
            for _ in range(10):
                body = {"dataframe_split": {"columns": COLUMNS, "data": [rows.iloc[i].tolist()]}}
                response = session.post(
                    f"{server.url}/invocations", data=json.dumps(body), headers=JSON, timeout=30
                )
                answers.append(response.json()["predictions"])
        return answers

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(client, range(16)))
    for i, answers in enumerate(results):  # each request got its own row's prediction
        assert answers == [[expected[i]]] * 10
    requests_done = server.metric("predict_requests_total") - predicted
    calls = server.metric("predict_batches_total") - batches
    assert requests_done == 160
    assert calls < requests_done * 0.75, (calls, requests_done)


def test_a_bad_request_in_a_batch_fails_alone(servers: dict[str, Server]) -> None:
    server = servers["lightgbm"]  # batches of up to 8
    good = {"inputs": NUMERIC[COLUMNS[:3]].head(2).to_numpy().tolist()}
    bad = {"inputs": [[1.0, 2.0, "x"]]}

    def send(i: int) -> int:
        status: int = server.post(bad if i % 4 == 0 else good).status_code
        return status

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(send, range(32)))
    assert statuses == [400 if i % 4 == 0 else 200 for i in range(32)]


def test_api_keys_and_revocation(servers: dict[str, Server], keys_file: tuple[Path, str]) -> None:
    server = servers["auth"]
    path, key = keys_file
    body = {"inputs": [NUMERIC.iloc[0].tolist()]}
    bearer = {"Authorization": f"Bearer {key}"}
    assert server.get("/health").status_code == 200  # probes need no key
    missing = error(server.post(body), 401, "UNAUTHENTICATED")
    assert "Bearer" in missing["message"]
    assert server.post(body).headers["WWW-Authenticate"].startswith("Bearer")
    for wrong in (f"Bearer {key}x", f"Bearer alice.{'A' * 43}", "Bearer nodot", f"Basic {key}"):
        error(server.post(body, headers={**JSON, "Authorization": wrong}), 401, "UNAUTHENTICATED")
    error(server.get("/metadata"), 401, "UNAUTHENTICATED")
    for _ in range(4):  # both workers
        assert server.post(body, headers={**JSON, **bearer}).status_code == 200
    assert server.get("/metadata", headers=bearer).json()["server"]["authentication"] == "bearer"
    assert "securitySchemes" in server.get("/openapi.json", headers=bearer).json()["components"]

    other = generate_key("bob")
    write_keys_file(str(path), {"bob": hash_key(other)})  # alice revoked, bob added
    for _ in range(4):
        error(server.post(body, headers={**JSON, **bearer}), 401, "UNAUTHENTICATED")
        response = server.post(body, headers={**JSON, "Authorization": f"Bearer {other}"})
        assert response.status_code == 200
    os.unlink(path)  # no keys file: every key refused
    error(server.post(body, headers={**JSON, "Authorization": f"Bearer {other}"}), 401,
          "UNAUTHENTICATED")  # fmt: skip


def test_two_workers_serve_and_count_together(
    servers: dict[str, Server], keys_file: tuple[Path, str]
) -> None:
    server = servers["auth"]  # --workers 2
    key = generate_key("ops")
    write_keys_file(str(keys_file[0]), {"ops": hash_key(key)})
    bearer = {"Authorization": f"Bearer {key}"}
    health = '{handler="/health",code="200"}'
    before = server.metric("requests_total", health, headers=bearer)
    for _ in range(20):  # a new connection each: the workers share them
        assert server.get("/health", headers={"Connection": "close"}).status_code == 200
    # whichever worker answers /metrics counts every worker's requests
    assert server.metric("requests_total", health, headers=bearer) - before == 20
    assert server.metric("workers", headers=bearer) == 2
    children = [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == server.proc.pid]
    assert len(children) == 2


def test_a_dead_worker_is_replaced(servers: dict[str, Server]) -> None:
    server = servers["auth"]  # --workers 2
    children = [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == server.proc.pid]
    os.kill(int(children[0]), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == server.proc.pid]
        if len(now) == 2 and children[0] not in now:
            break
        time.sleep(0.05)
    assert len(now) == 2 and children[0] not in now
    for _ in range(6):
        assert server.get("/health", headers={"Connection": "close"}).status_code == 200


def _parent(pid: str) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


# -- the process -----------------------------------------------------------------------


def test_a_model_that_cannot_load_exits_with_a_json_line(models: dict[str, Path]) -> None:
    for folder in (models["broken"], models["broken"].parent / "missing"):
        proc = launch(folder)
        try:
            event = wait_event(proc, timeout=30)
            assert proc.wait(30) == 3
            assert proc.stderr is not None
            last = proc.stderr.read().strip().splitlines()[-1]
        finally:
            stop(proc)
        assert event["event"] == "load_failed"
        assert event["error_code"] == "MODEL_LOAD_FAILED"
        assert event["message"] and event["model_dir"] == str(folder)
        assert json.loads(last) == event


def test_a_busy_port_exits_with_a_json_line(
    servers: dict[str, Server], models: dict[str, Path]
) -> None:
    port = servers["plain"].url.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "jupyterlab_mlplatform.deploy.serving"]
    command += ["--model-dir", str(models["numeric"]), "--port", port]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4
    assert json.loads(done.stdout.strip().splitlines()[-1])["event"] == "bind_failed"
