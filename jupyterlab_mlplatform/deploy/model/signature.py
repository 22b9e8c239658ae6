"""Signatures inferred from examples, inputs checked against them (by the one validator,
:mod:`.input_schema`), and input examples.

Tabular data (a DataFrame, a dict of columns, a list of records, a 2-D array or list of
rows) gets a column signature; a numpy 2-D array's columns are unnamed, so positional.
Arrays of more than two dimensions get a tensor spec.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .input_schema import InputSchema, combine
from .metadata import INPUT_EXAMPLE_FILE, ColumnSpec, ColumnType, Signature, TensorSpec

# -- inference -------------------------------------------------------------------------


def as_data(example: Any) -> pd.DataFrame | np.ndarray:
    """An example or a request's data as a DataFrame (tabular) or an ndarray (tensors)."""
    if isinstance(example, pd.DataFrame):
        return example
    if isinstance(example, pd.Series):
        return example.to_frame()
    if isinstance(example, Mapping):
        return pd.DataFrame({str(k): _column_values(v) for k, v in example.items()})
    if isinstance(example, list | tuple):
        if example and all(isinstance(row, Mapping) for row in example):
            return pd.DataFrame.from_records(list(example))
        example = np.asarray(example)
    if hasattr(example, "detach") and hasattr(example, "numpy"):  # a torch tensor
        example = example.detach().cpu().numpy()
    if isinstance(example, np.ndarray):
        if example.ndim == 1:
            return pd.DataFrame(example)
        if example.ndim == 2 and example.dtype.kind != "O":
            return pd.DataFrame(example)
        return example
    raise TypeError(f"Cannot infer a signature from a {type(example).__name__}.")


def _column_values(value: Any) -> Any:
    return value if isinstance(value, list | tuple | np.ndarray | pd.Series) else [value]


def _named(frame: pd.DataFrame) -> bool:
    return all(isinstance(c, str) for c in frame.columns)


def column_type(series: pd.Series) -> ColumnType:
    """MLflow's name for a column's type."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column_type(series.astype(dtype.categories.dtype))
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return "boolean"
    if kind == "f":
        return "float" if dtype.itemsize <= 4 else "double"
    if kind in "iu":
        return (
            "integer"
            if dtype.itemsize <= 4 and not (kind == "u" and dtype.itemsize == 4)
            else "long"
        )
    if kind == "M":
        return "datetime"
    values = series.dropna()
    if len(values) and all(isinstance(v, bytes | bytearray) for v in values):
        return "binary"
    if all(isinstance(v, str) for v in values):
        return "string"
    if len(values) and all(isinstance(v, bool) for v in values):
        return "boolean"
    if len(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "long"
    if len(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "double"
    raise TypeError(f"Column {series.name!r} holds values of no supported type.")


def _schema(data: pd.DataFrame | np.ndarray) -> list[ColumnSpec] | TensorSpec:
    if isinstance(data, np.ndarray):
        return TensorSpec(dtype=str(data.dtype), shape=[-1, *data.shape[1:]])
    named = _named(data)
    return [
        ColumnSpec(
            name=str(name) if named else None,
            type=column_type(data[name]),
            required=not bool(data[name].isna().any()),
        )
        for name in data.columns
    ]


def infer_signature(input_example: Any, output_example: Any = None) -> Signature:
    """The signature of a model that takes ``input_example`` (and returns ``output_example``)."""
    outputs = None if output_example is None else _schema(as_data(output_example))
    return Signature(inputs=_schema(as_data(input_example)), outputs=outputs)


def column_type_or_none(series: pd.Series) -> str | None:
    try:
        return column_type(series)
    except TypeError:
        return None


# -- checking --------------------------------------------------------------------------


def validate_input(signature: Signature, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the signature's columns, in its order, cast to its types; other columns
    are dropped.  The checks are the scoring server's (:mod:`.input_schema`, the one
    validator): :class:`SignatureError` names the column that is missing, has nulls while
    required, or holds values of another type.  Tensor input is checked and returned as is."""
    schema = InputSchema(signature)
    item = schema.from_frame(df)
    if schema.tensor is not None:
        return df
    frame: pd.DataFrame = combine([item], schema)
    frame.index = df.index
    return frame


# -- input examples --------------------------------------------------------------------


def example_payload(data: pd.DataFrame | np.ndarray) -> dict[str, Any]:
    """The example as a request body: MLflow's ``dataframe_split`` for tabular data
    (without ``columns`` when they are positional), ``{"inputs": ...}`` for tensors."""
    if isinstance(data, np.ndarray):
        return {"inputs": data.tolist()}
    frame = data.copy()
    for name in frame.columns:
        if column_type_or_none(frame[name]) == "binary":
            frame[name] = frame[name].map(
                lambda v: base64.b64encode(v).decode(), na_action="ignore"
            )
    split = json.loads(frame.to_json(orient="split", index=False, date_format="iso"))
    payload: dict[str, Any] = {"data": split["data"]}
    if _named(data):
        payload = {"columns": [str(c) for c in data.columns], **payload}
    return {"dataframe_split": payload}


def write_input_example(folder: str, data: pd.DataFrame | np.ndarray) -> str:
    with open(os.path.join(folder, INPUT_EXAMPLE_FILE), "w", encoding="utf-8") as handle:
        json.dump(example_payload(data), handle)
    return INPUT_EXAMPLE_FILE


def read_input_example(path: str, signature: Signature | None = None) -> pd.DataFrame | np.ndarray:
    """An ``input_example.json`` as the data it was written from (cast to ``signature``)."""
    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    if "inputs" in payload:
        inputs = None if signature is None else signature.inputs
        dtype = inputs.dtype if isinstance(inputs, TensorSpec) else None
        return np.asarray(payload["inputs"], dtype=dtype)
    split = payload["dataframe_split"]
    frame = pd.DataFrame(split["data"], columns=split.get("columns"))
    if signature is not None and not signature.is_tensor:
        frame = validate_input(signature, frame)
    return frame
