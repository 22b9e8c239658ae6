"""The one input validator, fed the same cases through both of its entry points: packaging-time
validation (``validate_input`` on the DataFrame that ``read_input_example`` would build) and a
real scoring server process answering ``POST /invocations``.  Both must give the verdict the
table says: accepted, or refused naming the column (None: the input as a whole).

The table holds every rule on which the two used to disagree (before one validator served
both), with the stricter rule that won: a boolean is never a number, not even inside a row of
numbers; an integer that does not fit its column is refused, never wrapped around; a column
sent twice is refused; a tensor must convert to its dtype; an input has rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
import requests

from jupyterlab_mlplatform.deploy.model import (
    ColumnSpec,
    Signature,
    SignatureError,
    TensorSpec,
    save_model,
    validate_input,
)
from tests.scoring_server import serve_package

SIGNATURES = {
    "doubles": Signature(inputs=[ColumnSpec(name=n, type="double") for n in ("x", "y")]),
    "longs": Signature(inputs=[ColumnSpec(name=n, type="long") for n in ("x", "y")]),
    "int32s": Signature(inputs=[ColumnSpec(name=n, type="integer") for n in ("x", "y")]),
    "mixed": Signature(
        inputs=[
            ColumnSpec(name="a", type="double"),
            ColumnSpec(name="b", type="long"),
            ColumnSpec(name="s", type="string"),
            ColumnSpec(name="t", type="boolean"),
            ColumnSpec(name="d", type="datetime"),
            ColumnSpec(name="y", type="binary"),
            ColumnSpec(name="o", type="double", required=False),
            ColumnSpec(name="n", type="long", required=False),
        ]
    ),
    "positional": Signature(inputs=[ColumnSpec(name=None, type="double")] * 2),
    "tensor": Signature(inputs=TensorSpec(dtype="float32", shape=[-1, 2])),
}

MIXED_ROW: dict[str, Any] = {
    "a": 1.5,
    "b": 2,
    "s": "x",
    "t": True,
    "d": "2024-01-02T03:04:05",
    "y": "AAE=",
}


@dataclass(frozen=True)
class Case:
    signature: str
    columns: list[str] | None
    rows: list[Any]
    refused: str | None | bool
    """False: accepted; None: refused as a whole; a name: refused naming that column."""


def mixed(refused: str | None | bool = False, drop: str = "", **values: Any) -> Case:
    row = {k: v for k, v in {**MIXED_ROW, **values}.items() if k != drop}
    return Case("mixed", list(row), [list(row.values())], refused)


XY = ["x", "y"]
CASES: dict[str, Case] = {
    # ints and floats
    "ints in double columns": Case("doubles", XY, [[1, 2]], False),
    "an integer past int64 in a double column": Case("doubles", XY, [[2**70, 1]], False),
    "integral floats in long columns": Case("longs", XY, [[1.0, 2.0]], False),
    "a fraction in a long column": Case("longs", XY, [[1.5, 2]], "x"),
    "int64's bounds": Case("longs", XY, [[-(2**63), 2**63 - 1]], False),
    "past int64 (was wrapped)": Case("longs", XY, [[2**63, 1]], "x"),
    "an integral float past int64": Case("longs", XY, [[1.0, 1e19]], "y"),
    "int32's maximum": Case("int32s", XY, [[2**31 - 1, 0]], False),
    "past int32 (was wrapped)": Case("int32s", XY, [[0, 2**31]], "y"),
    "a long column's value too big": mixed("b", b=2**63),
    # booleans are not numbers
    "a boolean in a row of doubles (was 1.0)": Case("doubles", XY, [[1.5, True]], "y"),
    "a boolean in a row of ints (was 1)": Case("doubles", XY, [[1, False]], "y"),
    "a boolean in a row of longs (was 1)": Case("longs", XY, [[True, 2]], "x"),
    "only booleans": Case("doubles", XY, [[True, False]], "x"),
    "a boolean in a double column": mixed("a", a=True),
    "a boolean in a long column": mixed("b", b=False),
    "a boolean in an optional double column": mixed("o", o=True),
    "a boolean among unnamed doubles": Case("positional", None, [[1.0, True]], "1"),
    "a number in a boolean column": mixed("t", t=1),
    # strings
    "a numeric string in a double column": Case("doubles", XY, [["1.5", 2]], "x"),
    "a string in a double column": mixed("a", a="1.5"),
    "a number in a string column": mixed("s", s=7),
    "a string among unnamed doubles": Case("positional", None, [[1, "x"]], "1"),
    # nulls
    "a null in a required double column": Case("doubles", XY, [[1, None]], "y"),
    "a null in a required long column": Case("longs", XY, [[None, 1]], "x"),
    "a null in a required string column": mixed("s", s=None),
    "a null in a required boolean column": mixed("t", t=None),
    "nulls in optional columns": mixed(o=None, n=None),
    "values in optional columns": mixed(o=2, n=3.0),
    # columns: missing, extra, twice, in another order
    "every column": mixed(),
    "columns in another order": Case("doubles", ["y", "x"], [[1, 2]], False),
    "a missing required column": Case("doubles", ["x"], [[1]], "y"),
    "a missing string column": mixed("s", drop="s"),
    "an extra column": Case("doubles", ["x", "y", "z"], [[1, 2, "z"]], False),
    "a column sent twice": Case("doubles", ["x", "y", "x"], [[1, 2, 3]], "x"),
    "too many unnamed columns": Case("positional", None, [[1, 2, 3]], None),
    "no rows": Case("doubles", XY, [], None),
    # other types
    "a long column given an integral float": mixed(b=2.0),
    "a long column given a fraction": mixed("b", b=2.5),
    "a date that is no date": mixed("d", d="soon"),
    "a number as a date": mixed("d", d=5),
    "binary that is not base64": mixed("y", y="not base64!"),
    # tensors
    "a tensor": Case("tensor", None, [[1, 2], [3, 4.5]], False),
    "a tensor of the wrong width": Case("tensor", None, [[1, 2, 3]], None),
    "a tensor of strings (was accepted)": Case("tensor", None, [["a", "b"]], None),
    "an empty tensor (was accepted)": Case("tensor", None, [], None),
}


def zeros_function() -> Any:
    """A model that returns one zero per row, defined as if in ``__main__`` so that
    cloudpickle saves it by value (the server process cannot import this test module)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(  # noqa: S102 - a test model
        "import numpy as np\ndef zeros(x):\n    return np.zeros(len(x))\n",
        namespace,
    )
    return namespace["zeros"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One scoring server per signature, each serving the same function."""
    root = tmp_path_factory.mktemp("one-validator")
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for name, signature in SIGNATURES.items():
            save_model(zeros_function(), root / name, signature=signature, flavor="python")
            urls[name] = stack.enter_context(serve_package(root / name)).url
        yield urls


def packaging_verdict(case: Case) -> str | None | bool:
    data = json.loads(json.dumps(case.rows))  # the values as JSON delivers them
    frame = pd.DataFrame(data, columns=case.columns)  # as read_input_example builds it
    try:
        validate_input(SIGNATURES[case.signature], frame)
    except SignatureError as e:
        return e.column
    return False


def serving_verdict(case: Case, url: str) -> str | None | bool:
    if case.signature == "tensor":
        payload: dict[str, Any] = {"inputs": case.rows}
    else:
        split: dict[str, Any] = {"data": case.rows}
        if case.columns is not None:
            split["columns"] = case.columns
        payload = {"dataframe_split": split}
    response = requests.post(f"{url}/invocations", json=payload, timeout=30)
    if response.status_code == 200:
        assert response.json() == {"predictions": [0.0] * len(case.rows)}
        return False
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) <= {"error_code", "message", "column"}, body
    column: str | None = body.get("column")
    return column


@pytest.mark.parametrize("name", list(CASES))
def test_both_entry_points_give_the_documented_verdict(servers: dict[str, str], name: str) -> None:
    # Given a case of the table
    case = CASES[name]
    # When it is validated at packaging time and scored by a real server
    packaging = packaging_verdict(case)
    serving = serving_verdict(case, servers[case.signature])
    # Then both give the table's verdict
    assert (packaging, serving) == (case.refused, case.refused)


def other_formats(case: Case) -> list[dict[str, Any]]:
    """The case's data as ``dataframe_records`` and as ``inputs`` of columns."""
    assert case.columns is not None
    records = [dict(zip(case.columns, row, strict=True)) for row in case.rows]
    columns = {name: [row[i] for row in case.rows] for i, name in enumerate(case.columns)}
    return [{"dataframe_records": records}, {"inputs": columns}]


NAMED = [
    name
    for name, case in CASES.items()
    if case.columns is not None and len(set(case.columns)) == len(case.columns) and case.rows
]


@pytest.mark.parametrize("name", NAMED)
def test_every_json_format_gives_the_same_verdict(servers: dict[str, str], name: str) -> None:
    # Given a case of named columns, sent as records and as columns
    case = CASES[name]
    for payload in other_formats(case):
        # When a real server scores it
        response = requests.post(f"{servers[case.signature]}/invocations", json=payload, timeout=30)
        # Then its verdict is the table's
        verdict = False if response.status_code == 200 else response.json().get("column")
        assert response.status_code in (200, 400), response.text
        assert verdict == case.refused, payload
