"""One column's values checked and cast to the column's type: the per-column half of the one
input validator (:mod:`.input_schema` holds the shapes: rows, records, columns, tensors).
The rules are the module docstring's there, and ``docs/model-package.md``'s.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ...errors import SignatureError

FLOATS: dict[str, np.dtype[Any]] = {"double": np.dtype(np.float64), "float": np.dtype(np.float32)}
INTS: dict[str, np.dtype[Any]] = {"long": np.dtype(np.int64), "integer": np.dtype(np.int32)}


@dataclass(frozen=True, slots=True)
class Column:
    """One signature column: ``label`` names it in messages, ``key`` in the DataFrame
    (the name, or the position for unnamed columns)."""

    label: str
    key: str | int
    type: str
    required: bool


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, int | np.integer):
        return "integer"
    if isinstance(value, float | np.floating):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def check_column(column: Column, values: list[Any], *, booleans: bool = True) -> np.ndarray:
    """``values`` as an array of the column's type, or :class:`SignatureError`."""
    type_ = column.type
    if type_ in FLOATS:
        return _floats(column, values, FLOATS[type_], booleans)
    if type_ in INTS:
        return _ints(column, values, INTS[type_], booleans)
    nulls = any(v is None for v in values)
    if nulls and column.required:
        raise null_error(column)
    if type_ == "boolean":
        bad = next((v for v in values if v is not None and not isinstance(v, bool)), _OK)
        if bad is not _OK:
            raise wrong_type(column, _json_type(bad))
        return np.array(values, dtype=object if nulls else bool)
    if type_ == "string":
        bad = next((v for v in values if v is not None and not isinstance(v, str)), _OK)
        if bad is not _OK:
            raise wrong_type(column, _json_type(bad))
        return np.array(values, dtype=object)
    if type_ == "binary":
        try:
            decoded = [_binary(v) for v in values]
        except (TypeError, ValueError, binascii.Error):
            raise SignatureError(
                f"Column {column.label!r} must be binary (base64 strings).", column=column.label
            ) from None
        return np.array(decoded, dtype=object)
    if type_ == "datetime":
        bad = next((v for v in values if v is not None and not isinstance(v, str | datetime)), _OK)
        if bad is not _OK:
            raise wrong_type(column, _json_type(bad))
        try:
            dates: np.ndarray = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
            return dates
        except (TypeError, ValueError):
            raise SignatureError(
                f"Column {column.label!r} holds values that are not dates.", column=column.label
            ) from None
    return np.array(values, dtype=object)  # pragma: no cover - every type is handled


def _floats(column: Column, values: list[Any], dtype: np.dtype[Any], booleans: bool) -> np.ndarray:
    array = _array(values)
    if (
        array.dtype.kind not in "iuf"
        or array.ndim != 1
        or (booleans and bool in map(type, values))  # numpy reads a boolean as 0/1
    ):
        bad = next((v for v in values if v is not None and not is_number(v)), _OK)
        if bad is not _OK:
            raise wrong_type(column, _json_type(bad))
        try:
            array = np.array(values, dtype=dtype)  # None -> NaN
        except OverflowError:  # an integer past float64's range (1e309)
            raise out_of_range(column) from None
    array = array.astype(dtype, copy=False)
    if column.required and np.isnan(array).any():
        raise null_error(column)
    return array


def _ints(column: Column, values: list[Any], dtype: np.dtype[Any], booleans: bool) -> np.ndarray:
    array = _array(values)
    numeric = array.ndim == 1 and not (booleans and bool in map(type, values))
    kind = array.dtype.kind if numeric else "O"
    if kind in "iu":
        if not _fits(array, dtype):
            raise out_of_range(column)
        return array.astype(dtype, copy=False)
    if kind not in "f":
        bad = next((v for v in values if v is not None and not is_number(v)), _OK)
        if bad is not _OK:
            raise wrong_type(column, _json_type(bad))
        try:
            array = np.array(values, dtype=np.float64)
        except OverflowError:
            raise out_of_range(column) from None
    nulls = np.isnan(array)
    if nulls.any():
        if column.required:
            raise null_error(column)
        finite = array[~nulls]
        if not (finite == np.floor(finite)).all():
            raise wrong_type(column, "number")
        return array  # an optional integer column with nulls stays float, as in pandas
    if not (np.isfinite(array).all() and (array == np.floor(array)).all()):
        raise wrong_type(column, "number")
    if not _fits(array, dtype):
        raise out_of_range(column)
    return array.astype(dtype)


_OK = object()


def is_number(value: Any) -> bool:
    """A number (a Python or numpy integer or float), not a boolean."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _binary(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    return base64.b64decode(value, validate=True)


def _array(values: list[Any]) -> np.ndarray:
    try:
        return np.array(values)
    except (TypeError, ValueError):
        return np.array(values, dtype=object)


def wrong_type(column: Column, got: str) -> SignatureError:
    return SignatureError(
        f"Column {column.label!r} must be {column.type}, got {got}.", column=column.label
    )


def out_of_range(column: Column) -> SignatureError:
    return SignatureError(
        f"Column {column.label!r} holds a number out of range for {column.type}.",
        column=column.label,
    )


def fits_columns(array: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Per column of a 2-D array of numbers: whether every value fits the integer ``dtype``
    (``astype`` would wrap it around silently)."""
    if array.shape[0] == 0:
        return np.ones(array.shape[1:], dtype=bool)
    low, high = array.min(axis=0), array.max(axis=0)
    if array.dtype.kind == "f":
        # Compared as floats: 2.0**63 is the first double past int64's maximum.
        limit = 2.0 ** (dtype.itemsize * 8 - 1)
        return (low >= -limit) & (high < limit)  # type: ignore[no-any-return]
    info = np.iinfo(dtype)
    return (low >= info.min) & (high <= info.max)  # type: ignore[no-any-return]


def _fits(array: np.ndarray, dtype: np.dtype[Any]) -> bool:
    if array.size == 0:
        return True
    return bool(fits_columns(array.reshape(len(array), -1), dtype).all())


def null_error(column: Column) -> SignatureError:
    return SignatureError(
        f"Column {column.label!r} is required but has nulls.", column=column.label
    )


_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


def parse_text(text: str, type_: str) -> Any:
    """One CSV cell as the column's type; an empty cell is a null.  A cell that does not
    parse is left as the string, so the column check names it."""
    if text == "":
        return None
    try:
        if type_ in FLOATS:
            return float(text)
        if type_ in INTS:
            return int(text) if text.lstrip("+-").isdigit() else float(text)
    except ValueError:
        return text
    if type_ == "boolean":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return text
