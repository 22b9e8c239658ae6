"""MLflow's search filters for experiments and logged models, evaluated in Python.

Experiments and logged models are few (tens to thousands), so they are filtered, sorted and
paged here rather than in SQL.  The grammar is MLflow's for these two searches::

    filter     := comparison ("AND" comparison)*
    comparison := identifier operator value
    identifier := [entity "."] key        # entity: attributes, tags, params (a bare key is an
                                           # attribute); key: a name, `backticks` or "quotes"
    operator   := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN
    value      := 'string' | "string" | number | "(" string ("," string)* ")"

Strings compare with strings, numbers with numeric attributes (times in milliseconds).
``LIKE`` takes ``%`` and ``_`` wildcards and is case-sensitive; ``ILIKE`` is not.  Every
problem is an ``InvalidArgument`` that names the position.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

from .. import bounded_json
from ..errors import InvalidArgument
from ..tracking.models import fits_int64

T = TypeVar("T")

Value = str | float | tuple[str, ...]

_ENTITIES: Final = {
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "tag": "tag",
    "tags": "tag",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "metric": "metric",
    "metrics": "metric",
}
_TOKEN: Final = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
      | (?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?![\w.])
      | (?P<op>!=|<=|>=|<>|==|=|<|>)
      | (?P<punct>[(),])
      | (?P<ident>(?:`[^`]*`|[A-Za-z_][\w]*)(?:\.(?:`[^`]*`|"(?:[^"]|"")*"|[\w./:-]+))?)
    )""",
    re.VERBOSE,
)
"""Numbers have ASCII digits: ``\\d`` would take any Unicode digit, which ``float`` reads
(Arabic-Indic twelve is 12.0) or fails on (a superscript two)."""


@dataclass(frozen=True)
class Condition:
    entity: str
    """``attribute``, ``tag``, ``param`` or ``metric`` (logged models only)."""
    key: str
    op: str
    value: Value


@dataclass(frozen=True)
class Record:
    """What a filter sees of one experiment or logged model."""

    attributes: Mapping[str, str | int | float | None]
    tags: Mapping[str, str]
    params: Mapping[str, str]
    metrics: Mapping[str, Sequence[float]] = field(default_factory=dict)
    """Every value of each metric (a logged model's, on the datasets searched): a metric
    condition holds if one of them satisfies it, as in MLflow."""


def _fail(position: int, reason: str) -> InvalidArgument:
    """The message names the position; it never echoes the input."""
    return InvalidArgument(f"Invalid filter at position {position}: {reason}.")


def _unquote(token: str) -> str:
    """A key or string without its backticks or quotes (a doubled quote is one quote)."""
    quote = token[:1]
    if quote == "`":
        return token[1:-1]
    if quote in ("'", '"'):
        return token[1:-1].replace(quote * 2, quote)
    return token


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            stripped = len(text) - len(text[position:].lstrip())
            raise _fail(stripped, "unexpected character")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def parse_filter(
    text: str | None,
    attributes: Mapping[str, str],
    numeric: frozenset[str],
    with_metrics: bool = False,
) -> list[Condition]:
    """The conditions of a filter (all must hold).

    ``attributes`` maps each accepted attribute name (lower case, aliases included) to the
    record's attribute key; ``numeric`` names the numeric ones.  ``metrics.<key>`` is
    accepted ``with_metrics`` only (logged models).
    """
    if not text or not text.strip():
        return []
    tokens = _tokens(text)
    conditions: list[Condition] = []
    i = 0

    def take(kind: str | None = None) -> tuple[str, str, int]:
        nonlocal i
        if i >= len(tokens):
            raise _fail(len(text), "the filter ends too early")
        token = tokens[i]
        if kind is not None and token[0] != kind:
            raise _fail(token[2], f"expected {kind}")
        i += 1
        return token

    while True:
        _, ident, position = take("ident")
        entity, key = _identifier(ident, position, attributes, with_metrics)
        kind, op_text, op_position = take()
        op = op_text.upper()
        if kind == "ident" and op == "NOT":
            _, word, _ = take("ident")
            op = f"NOT {word.upper()}"
        if kind == "op":
            op = {"==": "=", "<>": "!="}.get(op, op)
        elif op not in ("LIKE", "ILIKE", "IN", "NOT IN"):
            raise _fail(op_position, "expected a comparison operator")
        value_position = tokens[i][2] if i < len(tokens) else len(text)
        value = _value(take, op)
        is_number = (entity == "attribute" and key in numeric) or entity == "metric"
        if is_number != isinstance(value, float) and not isinstance(value, tuple):
            kind_wanted = "a number" if is_number else "a quoted string"
            raise _fail(op_position, f"this key compares with {kind_wanted}")
        if is_number and op in ("LIKE", "ILIKE", "IN", "NOT IN"):
            raise _fail(op_position, "this key is a number: use = != < <= > >=")
        if not is_number and op in ("<", "<=", ">", ">="):
            raise _fail(op_position, "this key is a string: use = != LIKE ILIKE IN")
        if isinstance(value, float) and not fits_int64(tokens[i - 1][1], value):
            raise _fail(value_position, "number out of range (a 64-bit integer)")
        conditions.append(Condition(entity, key, op, value))
        if i >= len(tokens):
            return conditions
        kind, word, position = take()
        if kind != "ident" or word.upper() != "AND":
            raise _fail(position, "expected AND (OR is not supported here)")


def _identifier(
    ident: str, position: int, attributes: Mapping[str, str], with_metrics: bool = False
) -> tuple[str, str]:
    head, dot, rest = ident.partition(".")
    if ident[:1] == "`" and ident.endswith("`") and "`." not in ident:
        head, dot, rest = ident, "", ""
    if dot:
        entity = _ENTITIES.get(_unquote(head).lower())
        if entity is None:
            raise _fail(position, "unknown entity (attributes, tags or params)")
        key = _unquote(rest) if rest[:1] in ("`", '"') else rest
    else:
        entity, key = "attribute", _unquote(head)
    if entity == "metric" and not with_metrics:
        raise _fail(position, "metrics cannot be searched here")
    if entity == "attribute":
        canonical = attributes.get(key.lower())
        if canonical is None:
            names = ", ".join(sorted(set(attributes.values())))
            raise _fail(position, f"unknown attribute (known: {names})")
        key = canonical
    if not key:
        raise _fail(position, "empty key")
    return entity, key


def _value(take: Callable[..., tuple[str, str, int]], op: str) -> Value:
    kind, token, where = take()
    if op in ("IN", "NOT IN"):
        if token != "(":
            raise _fail(where, "IN takes a list: ('a', 'b')")
        items: list[str] = []
        while True:
            items.append(_unquote(take("string")[1]))
            kind, token, where = take("punct")
            if token == ")":
                return tuple(items)
            if token != ",":
                raise _fail(where, "expected , or )")
    if kind == "string":
        return _unquote(token)
    if kind == "number":
        return float(token)
    raise _fail(where, "expected a value")


def _like(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), flags | re.DOTALL)


def _holds(condition: Condition, record: Record) -> bool:
    source: Mapping[str, str | int | float | None]
    if condition.entity == "metric":
        single = Condition("attribute", condition.key, condition.op, condition.value)
        return any(
            _holds(single, Record({condition.key: value}, {}, {}))
            for value in record.metrics.get(condition.key, ())
        )
    if condition.entity == "attribute":
        source = record.attributes
    elif condition.entity == "tag":
        source = record.tags
    else:
        source = record.params
    actual = source.get(condition.key)
    op, wanted = condition.op, condition.value
    if actual is None:
        # As in MLflow's SQL: a condition on a tag, param or attribute the entity does not
        # have is false, even ``!=`` and ``NOT IN``
        return False
    if isinstance(wanted, float):
        number = float(actual)
        return {
            "=": number == wanted,
            "!=": number != wanted,
            "<": number < wanted,
            "<=": number <= wanted,
            ">": number > wanted,
            ">=": number >= wanted,
        }[op]
    text = str(actual)
    if isinstance(wanted, tuple):
        return (text in wanted) == (op == "IN")
    if op == "LIKE":
        return _like(wanted).fullmatch(text) is not None
    if op == "ILIKE":
        return _like(wanted, re.IGNORECASE).fullmatch(text) is not None
    return (text == wanted) == (op == "=")


def matches(conditions: Sequence[Condition], record: Record) -> bool:
    return all(_holds(condition, record) for condition in conditions)


# -- ordering and pages -------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    key: str
    """An attribute key of the records."""
    ascending: bool


def parse_order(
    text: str, attributes: Mapping[str, str], index: int, with_direction: bool = True
) -> Order:
    """One ``order_by`` item: ``name``, ``attributes.creation_time DESC``..."""
    words = text.split()
    ascending = True
    if with_direction and len(words) == 2 and words[1].upper() in ("ASC", "DESC"):
        ascending = words[1].upper() == "ASC"
        words = words[:1]
    if len(words) != 1:
        raise InvalidArgument(f"Invalid order_by[{index}]: expected a name and ASC or DESC.")
    name = words[0]
    for prefix in ("attributes.", "attribute.", "attr."):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    key = attributes.get(name.strip("`").lower())
    if key is None:
        names = ", ".join(sorted(set(attributes.values())))
        raise InvalidArgument(f"Invalid order_by[{index}]: one of {names} is expected.")
    return Order(key, ascending)


def search(
    items: Iterable[T],
    record: Callable[[T], Record],
    conditions: Sequence[Condition],
    order: Sequence[Order],
    token: str | None,
    size: int,
) -> tuple[list[T], str | None]:
    """One page of the items that match ``conditions``, sorted by each order key in turn
    (missing values last in either direction), and the token of the next page.  Each
    item's record is built once."""
    found = [pair for pair in ((record(x), x) for x in items) if matches(conditions, pair[0])]
    for key in reversed(order):
        present = [pair for pair in found if pair[0].attributes.get(key.key) is not None]
        missing = [pair for pair in found if pair[0].attributes.get(key.key) is None]
        present.sort(key=lambda pair: _sort_value(pair[0], key.key), reverse=not key.ascending)
        found = present + missing
    return page([x for _, x in found], token, size)


def _sort_value(record: Record, key: str) -> tuple[int, float, str]:
    value = record.attributes.get(key)
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_offset(token: str | None) -> int:
    """The offset a page token holds; ``InvalidArgument`` for a token we did not make."""
    if not token:
        return 0
    try:
        data = bounded_json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = data["offset"]
    except (ValueError, TypeError, KeyError):
        raise InvalidArgument("Invalid page_token.") from None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidArgument("Invalid page_token.")
    return offset


def page(items: list[T], token: str | None, size: int) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next (None on the last page)."""
    offset = decode_offset(token)
    end = offset + size
    return items[offset:end], (encode_offset(end) if end < len(items) else None)
