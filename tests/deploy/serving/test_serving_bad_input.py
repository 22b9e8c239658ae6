"""The scoring server as a real process, fed what an attacker would send: JSON nested far
deeper than any model input, and integers past what the model's types hold.  Each is a 400
in the server's JSON error shape, never a 500, and the server keeps serving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlplatform.deploy.model import save_model
from tests.deploy.serving.test_serving import (
    MIXED,
    MIXED_Y,
    RNG,
    Server,
    error,
    launch,
    stop,
    tensor_function,
    wait_event,
)

DEEP = "[" * 100_000 + "]" * 100_000
RECORD = {"city": "paris", "age": 30, "income": 50.0}
COLUMNS = ["city", "age", "income"]


@pytest.fixture(scope="module")
def scoring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """A model of mixed columns (string, long, double) and one of a float64 tensor."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    root = tmp_path_factory.mktemp("bad-input-models")
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
    save_model(mixed, root / "mixed", input_example=MIXED.head(3))
    save_model(tensor_function(), root / "tensor", input_example=RNG.normal(size=(2, 2, 3)))
    procs = {name: launch(root / name) for name in ("mixed", "tensor")}
    try:
        servers: dict[str, Server] = {}
        for name, proc in procs.items():
            event = wait_event(proc)
            assert event["event"] == "ready", event
            servers[name] = Server(proc, f"http://127.0.0.1:{event['port']}", Path(root / name))
        yield servers
    finally:
        for proc in procs.values():
            stop(proc)


@pytest.mark.parametrize(
    "body",
    [
        '{"inputs": ' + DEEP + "}",
        '{"dataframe_split": {"columns": ["city"], "data": ' + DEEP + "}}",
        '{"dataframe_records": [{"city": ' + DEEP + "}]}",
        '{"params": ' + DEEP + ', "inputs": []}',
        DEEP,
    ],
    ids=["inputs", "dataframe_split", "dataframe_records", "params", "bare"],
)
def test_deep_json_is_a_400(scoring: dict[str, Server], body: str) -> None:
    for server in scoring.values():
        reply = error(server.post(body), 400, "MALFORMED_REQUEST")
        assert "recursion limit" in reply["message"]


def _records(**change: Any) -> dict[str, Any]:
    return {"dataframe_records": [{**RECORD, **change}]}


def _split(*row: Any) -> dict[str, Any]:
    return {"dataframe_split": {"columns": COLUMNS, "data": [list(row)]}}


@pytest.mark.parametrize(
    "body, column",
    [
        (_records(age=2**64), "age"),  # would wrap around to 0 in int64
        (_records(age=2**63), "age"),
        (_records(age=10**400), "age"),
        (_records(income=10**400), "income"),  # past float64's range
        (_split("paris", 2**70, 1.0), "age"),
        (_split("paris", 1, 10**400), "income"),
        ({"inputs": {"city": ["paris"], "age": [2**70], "income": [1.0]}}, "age"),
        ({"inputs": [["paris", -(2**70), 1.0]]}, "age"),
    ],
)
def test_huge_integers_are_a_400_naming_the_column(
    scoring: dict[str, Server], body: dict[str, Any], column: str
) -> None:
    reply = error(scoring["mixed"].post(body), 400, "INVALID_PARAMETER_VALUE")
    assert reply["column"] == column
    assert "out of range" in reply["message"]


def test_huge_integers_in_csv_and_tensors_are_a_400(scoring: dict[str, Server]) -> None:
    csv = f"city,age,income\nparis,{2**70},1.0\n"
    reply = error(
        scoring["mixed"].post(csv, headers={"Content-Type": "text/csv"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert reply["column"] == "age"
    error(
        scoring["tensor"].post({"inputs": [[[10**400, 1, 2], [1, 2, 3]]]}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_the_server_still_serves_after_bad_input(scoring: dict[str, Server]) -> None:
    for body in (_records(age=2**64), '{"inputs": ' + DEEP + "}"):
        assert scoring["mixed"].post(body).status_code == 400
    response = scoring["mixed"].post(_records())
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == 1
    response = scoring["tensor"].post({"inputs": [[[1, 2, 3], [4, 5, 6]]]})
    assert response.status_code == 200 and response.json()["predictions"] == [21.0]
    assert json.loads(scoring["mixed"].get("/health").text)["status"] == "ok"
