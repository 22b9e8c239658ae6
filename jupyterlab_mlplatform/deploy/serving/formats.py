"""Request bodies in MLflow's scoring formats, read into an :class:`Item` checked by the one
input validator (``deploy/model/input_schema.py``, which packaging-time checks use too).

``Content-Type: application/json`` with exactly one of:

* ``dataframe_split``: ``{"columns": [...], "data": [[...], ...], "index": [...]}``
  (``columns`` optional: then the rows are in the signature's order; ``index`` ignored);
* ``dataframe_records``: ``[{"column": value, ...}, ...]``;
* ``instances``: a list of records, of rows, or of tensors (TF-serving style), or a dict of
  columns;
* ``inputs``: a dict of columns, a list of rows or records, or a tensor;

and optionally ``params`` (accepted and ignored: our packages take no inference params).
``Content-Type: text/csv``: a header line, then rows.  The JSON is parsed with the standard
library once; nothing is validated per request beyond the signature checks.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ... import bounded_json
from ...errors import MalformedInput, SignatureError
from ..model.input_schema import InputSchema, Item
from .scoring_errors import InvalidInput, MalformedRequest, UnsupportedMediaType

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_KEYS = frozenset(FORMATS)


def media_type(content_type: str | None) -> str:
    """``application/json`` or ``text/csv`` from a Content-Type header, else 415."""
    if not content_type:
        raise UnsupportedMediaType("Missing Content-Type: send application/json or text/csv.")
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/json", "text/csv"):
        return media
    if media.endswith("+json"):
        return "application/json"
    raise UnsupportedMediaType("Unsupported Content-Type: send application/json or text/csv.")


def parse(body: bytes, media: str, schema: InputSchema) -> Item:
    """The body as an item of the model's input, or a 400 saying what is wrong."""
    try:
        return _parse(body, media, schema)
    except MalformedInput as e:
        raise MalformedRequest(e.message) from None
    except SignatureError as e:
        raise InvalidInput(e.message, column=e.column) from None


def _parse(body: bytes, media: str, schema: InputSchema) -> Item:
    if media == "text/csv":
        return _parse_csv(body, schema)
    try:
        payload = bounded_json.loads(body)
    except ValueError as e:
        # pydantic-core's message: what is wrong and where ("EOF while parsing a value at
        # line 1 column 12", "recursion limit exceeded at ..."); it never quotes the input.
        raise MalformedRequest(f"The body is not valid JSON: {e}.") from None
    if not isinstance(payload, dict):
        raise MalformedRequest(_SHAPE_HELP)
    found = [key for key in payload if key in _KEYS]
    if len(found) != 1 or any(k not in _KEYS and k != "params" for k in payload):
        raise MalformedRequest(_SHAPE_HELP)
    fmt = found[0]
    booleans = _may_hold_booleans(body)
    try:
        return _parse_format(fmt, payload[fmt], schema, booleans)
    except OverflowError:
        # An integer too large for numpy somewhere the checks of one column do not see.
        raise InvalidInput("A number in the input is out of range for the model.") from None


def _parse_format(fmt: str, value: Any, schema: InputSchema, booleans: bool) -> Item:
    if fmt == "dataframe_split":
        if not isinstance(value, dict) or "data" not in value:
            raise MalformedRequest(
                "'dataframe_split' must be an object with 'data' (and 'columns')."
            )
        return schema.from_rows(value.get("columns"), value["data"], booleans=booleans)
    if fmt == "dataframe_records":
        if not isinstance(value, list):
            raise MalformedRequest("'dataframe_records' must be a list of objects.")
        return schema.from_records(value, booleans=booleans)
    return _parse_inputs(value, schema, fmt, booleans)


_SHAPE_HELP = (
    "The JSON body must be an object with exactly one of "
    + ", ".join(repr(f) for f in FORMATS)
    + " (and optionally 'params')."
)


def _parse_inputs(value: Any, schema: InputSchema, fmt: str, booleans: bool) -> Item:
    """``instances`` / ``inputs``: tensors for a tensor signature; otherwise a dict of
    columns, a list of records, or a list of rows in the signature's order."""
    if schema.tensor is not None:
        return schema.from_tensor(value)
    if isinstance(value, dict):
        return schema.from_columns(value, booleans=booleans)
    if not isinstance(value, list):
        raise MalformedRequest(f"'{fmt}' must be a list or an object of columns.")
    if value and isinstance(value[0], dict):
        return schema.from_records(value, booleans=booleans)
    if schema.signature is None:
        rows = value if value and isinstance(value[0], list) else [value]
        return schema.from_rows(None, rows, booleans=booleans)
    if value and not isinstance(value[0], list):
        value = [value] if len(schema.columns) > 1 else [[v] for v in value]
    return schema.from_rows(None, value, booleans=booleans)


def _may_hold_booleans(body: bytes) -> bool:
    """Whether the JSON ``body`` may hold a boolean: the words ``true`` and ``false`` are
    looked for from their letters ``u`` and ``f`` (``bytes.find`` of one byte is a memchr; a
    numeric body has them only in a few keys), which is 50x faster than ``b"true" in body``.
    A word inside a string only costs the validator a closer look."""
    for word, at in ((b"true", 2), (b"false", 0)):
        letter = word[at : at + 1]
        i = body.find(letter)
        while i != -1:
            if i >= at and body.startswith(word, i - at):
                return True
            i = body.find(letter, i + 1)
    return False


def _parse_csv(body: bytes, schema: InputSchema) -> Item:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedRequest("The CSV body is not UTF-8 text.") from None
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise MalformedRequest(f"The CSV body does not parse: {e}.") from None
    lines = [line for line in lines if line]
    if not lines:
        raise MalformedRequest("The CSV body is empty: send a header line, then rows.")
    header = [name.strip() for name in lines[0]]
    return schema.from_text(header, lines[1:])
