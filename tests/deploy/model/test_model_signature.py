"""Signatures inferred from examples, and inputs checked against them."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from jupyterlab_mlplatform.deploy.model import (
    ColumnSpec,
    Signature,
    SignatureError,
    TensorSpec,
    infer_signature,
    validate_input,
)

SIGNATURE = Signature(
    inputs=[
        ColumnSpec(name="age", type="long"),
        ColumnSpec(name="income", type="double"),
        ColumnSpec(name="city", type="string"),
        ColumnSpec(name="note", type="string", required=False),
    ]
)


def test_types_follow_mlflow_names() -> None:
    frame = pd.DataFrame(
        {
            "d": [1.5],
            "f": np.array([1.5], dtype="float32"),
            "l": [1],
            "i": np.array([1], dtype="int32"),
            "b": [True],
            "s": ["x"],
            "t": [datetime(2024, 1, 1)],
            "y": [b"\x00"],
        }
    )
    signature = infer_signature(frame, np.array([0.5]))
    assert [(c.name, c.type) for c in signature.inputs] == [  # type: ignore[union-attr]
        ("d", "double"),
        ("f", "float"),
        ("l", "long"),
        ("i", "integer"),
        ("b", "boolean"),
        ("s", "string"),
        ("t", "datetime"),
        ("y", "binary"),
    ]
    assert signature.outputs == [ColumnSpec(name=None, type="double")]


def test_examples_of_every_shape() -> None:
    by_dict = infer_signature({"a": [1, 2], "b": ["x", None]})
    assert by_dict.inputs == [
        ColumnSpec(name="a", type="long"),
        ColumnSpec(name="b", type="string", required=False),
    ]
    records = infer_signature([{"a": 1.0}, {"a": 2.0}])
    assert records.inputs == [ColumnSpec(name="a", type="double")]
    rows = infer_signature([[1, 2], [3, 4]])
    assert rows.inputs == [ColumnSpec(name=None, type="long")] * 2
    tensor = infer_signature(np.zeros((2, 3, 4), dtype="float32"))
    assert tensor.inputs == TensorSpec(dtype="float32", shape=[-1, 3, 4])


def test_valid_input_is_cast_ordered_and_trimmed() -> None:
    frame = pd.DataFrame(
        {"city": ["Paris"], "extra": [1], "income": [1000], "age": [31.0], "note": [None]}
    )
    checked = validate_input(SIGNATURE, frame)
    assert list(checked.columns) == ["age", "income", "city", "note"]
    assert checked["age"].dtype == np.int64 and checked["income"].dtype == np.float64
    # an optional column may be left out
    checked = validate_input(SIGNATURE, frame.drop(columns=["note"]))
    assert list(checked.columns) == ["age", "income", "city"]


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"drop": "income"}, "income", "Missing required column 'income'"),
        ({"age": [None]}, "age", "required but has nulls"),
        ({"age": ["thirty"]}, "age", "must be long, got string"),
        ({"age": [31.5]}, "age", "must be long, got number"),
        ({"income": ["1000"]}, "income", "must be double, got string"),
        ({"city": [7]}, "city", "must be string, got integer"),
    ],
)
def test_errors_name_the_column(change: dict[str, object], column: str, message: str) -> None:
    frame = pd.DataFrame({"age": [31], "income": [1000.0], "city": ["Paris"]})
    if "drop" in change:
        frame = frame.drop(columns=[str(change["drop"])])
    else:
        for name, values in change.items():
            frame[name] = pd.Series(values, dtype=object)
    with pytest.raises(SignatureError, match=message) as caught:
        validate_input(SIGNATURE, frame)
    assert caught.value.column == column


def test_positional_columns_are_checked_by_position() -> None:
    signature = infer_signature(np.zeros((2, 2)))
    checked = validate_input(signature, pd.DataFrame([[1, 2]]))
    assert checked.to_numpy().tolist() == [[1.0, 2.0]]
    with pytest.raises(SignatureError, match="Expected 2 columns, got 3"):
        validate_input(signature, pd.DataFrame([[1, 2, 3]]))
    with pytest.raises(SignatureError) as caught:
        validate_input(signature, pd.DataFrame([[1, "x"]]))
    assert caught.value.column == "1"


def test_dates_and_tensors() -> None:
    signature = Signature(inputs=[ColumnSpec(name="when", type="datetime")])
    checked = validate_input(signature, pd.DataFrame({"when": ["2024-01-02T03:04:05"]}))
    assert checked["when"].iloc[0] == pd.Timestamp("2024-01-02T03:04:05")
    with pytest.raises(SignatureError, match="not dates") as caught:
        validate_input(signature, pd.DataFrame({"when": ["soon"]}))
    assert caught.value.column == "when"
    tensor = Signature(inputs=TensorSpec(dtype="float32", shape=[-1, 2]))
    validate_input(tensor, pd.DataFrame([[1.0, 2.0]]))
    with pytest.raises(SignatureError, match="size 2 on axis 1"):
        validate_input(tensor, pd.DataFrame([[1.0, 2.0, 3.0]]))
