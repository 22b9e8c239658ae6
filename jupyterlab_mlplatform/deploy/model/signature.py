"""Signatures inferred from examples, inputs checked against them, and input examples.

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

from ...errors import SignatureError
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


# -- checking --------------------------------------------------------------------------


def validate_input(signature: Signature, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the signature's columns, in its order, cast to its types where that
    is safe; other columns are dropped.  Raises :class:`SignatureError` naming the column
    that is missing, has nulls while required, or holds values of another type."""
    if isinstance(signature.inputs, TensorSpec):
        _check_tensor(signature.inputs, df)
        return df
    specs = signature.inputs
    positional = any(spec.name is None for spec in specs)
    if positional:
        if df.shape[1] != len(specs):
            raise SignatureError(
                f"Expected {len(specs)} columns, got {df.shape[1]}.",
                column=None,
            )
        columns = {str(i): df.iloc[:, i] for i in range(len(specs))}
        keys = [str(i) for i in range(len(specs))]
    else:
        columns = {str(c): df[c] for c in df.columns}
        keys = [str(spec.name) for spec in specs]
    result: dict[Any, pd.Series] = {}
    for key, spec in zip(keys, specs, strict=True):
        if key not in columns:
            if spec.required:
                raise SignatureError(f"Missing required column {key!r}.", column=key)
            continue
        series = columns[key]
        if spec.required and series.isna().any():
            raise SignatureError(f"Column {key!r} is required but has nulls.", column=key)
        result[int(key) if positional else key] = _cast(series, spec.type, key)
    frame = pd.DataFrame(result, index=df.index)
    return frame


def _cast(series: pd.Series, type_: ColumnType, key: str) -> pd.Series:
    def wrong() -> SignatureError:
        got = column_type_or_none(series)
        return SignatureError(
            f"Column {key!r} must be {type_}" + (f", not {got}." if got else "."), column=key
        )

    values = series.dropna()
    kind = getattr(series.dtype, "kind", "O")
    if type_ in ("double", "float"):
        target = np.float64 if type_ == "double" else np.float32
        if kind in "iuf" or (kind == "O" and all(is_number(v) for v in values)):
            return series.astype(target)
        raise wrong()
    if type_ in ("long", "integer"):
        target_int = np.int64 if type_ == "long" else np.int32
        if kind in "iu":
            return series.astype(target_int)
        if kind in "fO" and all(is_number(v) and float(v).is_integer() for v in values):
            if len(values) < len(series):
                return series.astype("float64")  # optional column with nulls
            return series.astype(target_int)
        raise wrong()
    if type_ == "boolean":
        if kind == "b" or (kind == "O" and all(isinstance(v, bool | np.bool_) for v in values)):
            return series if kind == "b" else series.astype(object)
        raise wrong()
    if type_ == "string":
        if all(isinstance(v, str) for v in values):
            return series
        raise wrong()
    if type_ == "binary":
        try:
            return series.map(_binary, na_action="ignore")
        except (TypeError, ValueError) as e:
            raise wrong() from e
    if type_ == "datetime":
        if kind == "M":
            return series
        if not all(isinstance(v, str | pd.Timestamp) for v in values):
            raise wrong()
        try:
            return pd.to_datetime(series)
        except (TypeError, ValueError) as e:
            raise SignatureError(f"Column {key!r} holds values that are not dates.", key) from e
    raise wrong()  # pragma: no cover - every ColumnType is handled above


def column_type_or_none(series: pd.Series) -> str | None:
    try:
        return column_type(series)
    except TypeError:
        return None


def is_number(value: Any) -> bool:
    """A number (a Python or numpy integer or float), not a boolean."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _binary(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    raise TypeError("not bytes")


def _check_tensor(spec: TensorSpec, data: Any) -> None:
    array = np.asarray(data)
    if array.ndim != len(spec.shape):
        raise SignatureError(
            f"Expected a tensor of {len(spec.shape)} dimensions, got {array.ndim}."
        )
    for axis, (want, got) in enumerate(zip(spec.shape, array.shape, strict=True)):
        if want != -1 and want != got:
            raise SignatureError(f"Expected size {want} on axis {axis}, got {got}.")


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
