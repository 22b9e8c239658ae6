"""The one input validator: a model's input signature, compiled once into the checks that
every input goes through, at packaging time (``signature.validate_input``: a DataFrame) and in
the scoring server (``deploy/serving/formats.py``: each request, the hot path).

Input becomes an :class:`Item`: the data of one predict call that belongs to that input,
already checked and cast.  Items with the same ``key`` can share a predict call (see
``deploy/serving/batching.py``): their arrays are concatenated, the DataFrame built once
(:func:`combine`).

Kinds of item:

* ``matrix``: every input column has the same numeric type (the usual scikit-learn,
  XGBoost... model): a 2-D array in the signature's column order, built with one
  ``np.array(rows)``; the batch's DataFrame is one block.
* ``columns``: mixed column types: one array per column.
* ``tensor``: a tensor signature: an ndarray of the spec's dtype.
* ``frame``: no signature: the DataFrame as sent, batched only with the same columns.

The rules (``docs/model-package.md``, "What the validator accepts", says them for users) follow
MLflow's: integers are accepted for floating columns, integral floats for integer ones,
base64 strings (or bytes) for binary ones, ISO strings (or datetimes) for datetime ones; a
boolean is never a number; an integer that does not fit the column's type is refused, never
wrapped around; a null in a required column, a value of another type, or a column sent twice
is a :class:`SignatureError` naming the column (never echoing the value); data that is not
in one of the accepted shapes (rows of unequal width...) is a :class:`MalformedInput`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import MalformedInput, SignatureError
from .input_columns import (
    FLOATS,
    INTS,
    Column,
    check_column,
    fits_columns,
    null_error,
    out_of_range,
    parse_text,
    wrong_type,
)
from .metadata import Signature, TensorSpec

_MAX_ORDER_CACHE = 64


@dataclass(slots=True)
class Item:
    """One request's checked data: ``kind`` (see the module docstring), ``key`` (items
    with equal keys can be batched), ``data`` and its number of ``rows``."""

    kind: str
    key: Hashable
    data: Any
    rows: int


class InputSchema:
    """The checks of one signature (or of none: data passes as sent)."""

    def __init__(self, signature: Signature | None) -> None:
        self.signature = signature
        self.tensor: TensorSpec | None = None
        self.columns: list[Column] = []
        self.positional = False
        self.matrix_dtype: np.dtype[Any] | None = None
        self._order_cache: dict[tuple[str, ...], list[int]] = {}
        if signature is None:
            return
        if isinstance(signature.inputs, TensorSpec):
            self.tensor = signature.inputs
            self._tensor_dtype = np.dtype(signature.inputs.dtype)
            return
        specs = signature.inputs
        self.positional = any(spec.name is None for spec in specs)
        for index, spec in enumerate(specs):
            label = str(index) if self.positional else str(spec.name)
            key: str | int = index if self.positional else str(spec.name)
            self.columns.append(Column(label, key, spec.type, spec.required))
        types = {spec.type for spec in specs}
        if len(types) == 1:
            (only,) = types
            self.matrix_dtype = FLOATS.get(only) or INTS.get(only)
        self.names = [c.label for c in self.columns]
        self.keys = [c.key for c in self.columns]
        self._matrix_key = ("matrix", self.matrix_dtype)
        self._nan_check = self.matrix_dtype is not None and self.matrix_dtype.kind == "f"
        self._all_required = all(c.required for c in self.columns)

    # -- tabular data ------------------------------------------------------------------

    def from_rows(self, columns: Sequence[Any] | None, rows: Any, *, booleans: bool = True) -> Item:
        """``dataframe_split``'s ``data`` (or a list of rows): ``columns`` names them, or
        they are in the signature's order when it is None.

        ``booleans=False`` (here and in ``from_columns``, ``from_records``) says that no value
        is a boolean (a JSON body without ``true`` and ``false``), which saves the numeric
        checks looking for one."""
        if not isinstance(rows, list):
            raise MalformedInput("'data' must be a list of rows.")
        if not rows:
            raise SignatureError("The input has no rows.")
        if self.tensor is not None:
            return self.from_tensor(rows)
        if self.signature is None:
            return self._frame(pd.DataFrame(rows, columns=columns))
        order = self._order(columns)
        width = len(columns) if columns is not None else len(self.columns)
        index = order if order is not None else list(range(width))
        if self.matrix_dtype is not None and len(index) == len(self.columns):
            try:
                array = np.array(rows)
            except ValueError:  # ragged rows: the check below says so
                array = np.empty(0)
            if (
                array.ndim == 2
                and array.shape[1] == width
                and array.dtype.kind in "iuf"
                and not (
                    booleans and _has_bool(rows)
                )  # numpy reads a boolean as 0/1: the checks below refuse it
            ):
                if index != list(range(width)):
                    array = array[:, index]
                return self._matrix(array)
        for row in rows:
            if not isinstance(row, list) or len(row) != width:
                raise MalformedInput(f"Each row of 'data' must be a list of {width} values.")
        arrays: dict[str | int, np.ndarray] = {}
        by_position = dict(zip(self._present(columns), index, strict=True))
        for column in self.columns:
            position = by_position.get(column.key)
            if position is None:
                continue
            values = [row[position] for row in rows]
            arrays[column.key] = check_column(column, values, booleans=booleans)
        return self._from_arrays(arrays, len(rows))

    def from_frame(self, frame: pd.DataFrame) -> Item:
        """A DataFrame (the packaging-time entry point): checked as the same columns and
        rows sent as ``dataframe_split`` would be, its NaN and NaT being nulls (JSON's
        ``null``); for an unnamed signature, its columns are taken by position."""
        if self.tensor is not None:
            return self.from_tensor(frame.to_numpy())
        if self.signature is None:
            return self._frame(frame)
        if len(frame) == 0:
            raise SignatureError("The input has no rows.")
        if self.positional and frame.shape[1] != len(self.columns):
            raise SignatureError(f"Expected {len(self.columns)} columns, got {frame.shape[1]}.")
        rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        columns = None if self.positional else [str(c) for c in frame.columns]
        return self.from_rows(columns, rows)

    def from_columns(self, mapping: dict[str, Any], *, booleans: bool = True) -> Item:
        """A dict of column name to a list of values (``inputs``/``instances`` as columns)."""
        if self.signature is None:
            return self._frame(pd.DataFrame({str(k): _as_list(v) for k, v in mapping.items()}))
        if self.positional:
            raise SignatureError("The model's columns have no names: send rows of values.")
        arrays: dict[str | int, np.ndarray] = {}
        rows: int | None = None
        for column in self.columns:
            if column.label not in mapping:
                self._missing(column, mapping.keys())
                continue
            values = _as_list(mapping[column.label])
            if rows is not None and len(values) != rows:
                raise MalformedInput("Every column must hold the same number of values.")
            rows = len(values)
            arrays[column.key] = check_column(column, values, booleans=booleans)
        if not rows:
            raise SignatureError("The input has no rows.")
        return self._from_arrays(arrays, rows)

    def from_records(self, records: list[Any], *, booleans: bool = True) -> Item:
        """``dataframe_records``: a list of ``{column: value}``."""
        if not records:
            raise SignatureError("The input has no rows.")
        if not all(isinstance(r, dict) for r in records):
            raise MalformedInput("'dataframe_records' must be a list of objects.")
        if self.signature is None:
            return self._frame(pd.DataFrame.from_records(records))
        if self.positional:
            raise SignatureError("The model's columns have no names: send rows of values.")
        arrays: dict[str | int, np.ndarray] = {}
        for column in self.columns:
            name = column.label
            if not any(name in r for r in records):
                self._missing(column, {k for r in records for k in r})
                continue
            values = [r.get(name) for r in records]
            arrays[column.key] = check_column(column, values, booleans=booleans)
        return self._from_arrays(arrays, len(records))

    def from_text(self, header: list[str], rows: list[list[str]]) -> Item:
        """CSV: a header and rows of strings, converted to the signature's types."""
        if not rows:
            raise SignatureError("The input has no rows.")
        if any(len(row) != len(header) for row in rows):
            raise MalformedInput(f"Each CSV row must hold {len(header)} values.")
        if self.signature is None or self.tensor is not None:
            frame = pd.DataFrame(rows, columns=header)
            for name in frame.columns:
                try:
                    frame[name] = pd.to_numeric(frame[name])
                except (TypeError, ValueError):
                    pass  # a text column stays text
            return self._frame(frame)
        positions = {name: i for i, name in enumerate(header)}
        if len(positions) < len(header):
            self._twice(header)
        if self.positional:
            if len(header) != len(self.columns):
                raise SignatureError(f"Expected {len(self.columns)} columns, got {len(header)}.")
            positions = {column.label: i for i, column in enumerate(self.columns)}
        arrays: dict[str | int, np.ndarray] = {}
        for column in self.columns:
            position = positions.get(column.label)
            if position is None:
                self._missing(column, header)
                continue
            values = [parse_text(row[position], column.type) for row in rows]
            arrays[column.key] = check_column(column, values)
        return self._from_arrays(arrays, len(rows))

    def from_tensor(self, value: Any) -> Item:
        """``inputs``/``instances`` as a (nested) list, for a tensor signature."""
        if self.tensor is None:
            raise SignatureError("The model takes columns, not a tensor.")  # pragma: no cover
        try:
            array = np.asarray(value, dtype=self._tensor_dtype)
        except (TypeError, ValueError, OverflowError) as e:
            raise SignatureError(
                f"The input is no tensor of {self.tensor.dtype} ({type(e).__name__})."
            ) from None
        shape = self.tensor.shape
        if array.ndim != len(shape):
            raise SignatureError(f"Expected a tensor of {len(shape)} dimensions, got {array.ndim}.")
        for axis, (want, got) in enumerate(zip(shape, array.shape, strict=True)):
            if want != -1 and want != got:
                raise SignatureError(f"Expected size {want} on axis {axis}, got {got}.")
        if array.shape[0] == 0:
            raise SignatureError("The input has no rows.")
        return Item("tensor", ("tensor", array.shape[1:]), array, array.shape[0])

    # -- helpers -----------------------------------------------------------------------

    def _order(self, columns: Sequence[Any] | None) -> list[int] | None:
        """Where each signature column is in the request's ``columns`` (None: in order)."""
        if columns is None:
            return None
        if not isinstance(columns, list) or not all(isinstance(c, str | int) for c in columns):
            raise MalformedInput("'columns' must be a list of column names.")
        if self.positional:
            if len(columns) != len(self.columns):
                raise SignatureError(f"Expected {len(self.columns)} columns, got {len(columns)}.")
            return None
        key = tuple(str(c) for c in columns)
        cached = self._order_cache.get(key)
        if cached is not None:
            return cached
        positions = {name: i for i, name in enumerate(key)}
        if len(positions) < len(key):
            self._twice(key)
        order = []
        for column in self.columns:
            if column.label in positions:
                order.append(positions[column.label])
            else:
                self._missing(column, key)
        if len(self._order_cache) < _MAX_ORDER_CACHE:
            self._order_cache[key] = order
        return order

    def _present(self, columns: Sequence[Any] | None) -> list[str | int]:
        """The signature keys present in ``columns``, in the signature's order."""
        if columns is None or self.positional:
            return list(self.keys)
        given = {str(c) for c in columns}
        return [c.key for c in self.columns if c.label in given]

    def _twice(self, names: Sequence[str]) -> None:
        """A column sent twice: which of the two is meant is unknowable, so it is refused."""
        seen: set[str] = set()
        for name in names:
            if name in seen:
                label = name[:60]
                raise SignatureError(f"Column {label!r} is sent twice.", column=label)
            seen.add(name)

    def _missing(self, column: Column, given: Any) -> None:
        if not column.required:
            return
        extra = sorted(str(g) for g in given if str(g) not in self.names)[:3]
        hint = f" (unknown columns sent: {', '.join(repr(e[:60]) for e in extra)})" if extra else ""
        raise SignatureError(
            f"Missing required column {column.label!r}{hint}.", column=column.label
        )

    def _matrix(self, array: np.ndarray) -> Item:
        assert self.matrix_dtype is not None
        if self.matrix_dtype.kind in "iu" and array.dtype.kind == "f":
            integral = np.isfinite(array).all(axis=0) & (array == np.floor(array)).all(axis=0)
            if not integral.all():
                column = self.columns[int(np.argmin(integral))]
                raise wrong_type(column, "number")
        if self.matrix_dtype.kind in "iu":
            fits = fits_columns(array, self.matrix_dtype)
            if not fits.all():
                raise out_of_range(self.columns[int(np.argmin(fits))])
        array = array.astype(self.matrix_dtype, copy=False)
        if self._nan_check and np.isnan(array).any():
            bad = np.isnan(array).any(axis=0)
            for i, column in enumerate(self.columns):
                if bad[i] and column.required:
                    raise null_error(column)
        return Item("matrix", self._matrix_key, array, array.shape[0])

    def _from_arrays(self, arrays: dict[str | int, np.ndarray], rows: int) -> Item:
        if self.matrix_dtype is not None and len(arrays) == len(self.columns):
            kinds = {a.dtype for a in arrays.values()}
            if kinds == {self.matrix_dtype}:
                matrix = np.column_stack([arrays[k] for k in self.keys])
                return Item("matrix", self._matrix_key, matrix, rows)
        key = ("columns", tuple((k, a.dtype.str) for k, a in arrays.items()))
        return Item("columns", key, arrays, rows)

    def _frame(self, frame: pd.DataFrame) -> Item:
        if len(frame) == 0:
            raise SignatureError("The input has no rows.")
        key = ("frame", tuple(map(str, frame.columns)), tuple(str(t) for t in frame.dtypes))
        return Item("frame", key, frame, len(frame))


def _has_bool(rows: list[Any]) -> bool:
    """Whether a boolean is among the values of ``rows`` (a list of lists)."""
    return any(bool in map(type, row) for row in rows)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def combine(items: list[Item], schema: InputSchema) -> Any:
    """The model input for items of one key: arrays concatenated, the DataFrame built once."""
    first = items[0]
    if first.kind == "matrix":
        array = first.data if len(items) == 1 else np.concatenate([i.data for i in items])
        columns: Any = schema.keys
        return pd.DataFrame(array, columns=columns, copy=False)
    if first.kind == "columns":
        if len(items) == 1:
            return pd.DataFrame(first.data, copy=False)
        return pd.DataFrame(
            {k: np.concatenate([i.data[k] for i in items]) for k in first.data}, copy=False
        )
    if first.kind == "tensor":
        return first.data if len(items) == 1 else np.concatenate([i.data for i in items])
    if len(items) == 1:
        return first.data
    return pd.concat([i.data for i in items], ignore_index=True)
