"""The Python back end of the search grammar: a parsed filter evaluated on records, sorting
and paging, for the searches whose items are few (MLflow's experiment and logged-model
searches: tens to thousands) and are filtered here rather than in SQL.

It means what the SQL back end (:mod:`.sql`) means:

* a comparison on a tag, param or attribute the record does not have is false, even ``!=``
  and ``NOT IN``; ``IS NULL`` holds when it is missing;
* a metric comparison holds if one of the record's values of that metric satisfies it; NaN
  values satisfy none (``IS NULL``: the record has no value of that metric);
* ``LIKE`` is case-sensitive, ``ILIKE`` is not, ``%`` and ``_`` are wildcards and a backslash
  makes the next character literal (:func:`.lexer.like_parts`, PostgreSQL's rules).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from jupyterlab_mlplatform.tracking.search.filter import And, Comparison, Expr, Or, OrderKey
from jupyterlab_mlplatform.tracking.search.lexer import like_parts
from jupyterlab_mlplatform.tracking.search.page_token import page

__all__ = ["Record", "matches", "search"]

T = TypeVar("T")


@dataclass(frozen=True)
class Record:
    """What a filter sees of one experiment or logged model."""

    attributes: Mapping[str, str | int | float | None]
    tags: Mapping[str, str]
    params: Mapping[str, str]
    metrics: Mapping[str, Sequence[float]] = field(default_factory=dict)
    """Every value of each metric (a logged model's, on the datasets searched): a metric
    condition holds if one of them satisfies it, as in MLflow."""


def _like(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = like_parts(pattern)
    regex = "".join((".*" if ch == "%" else ".") if wild else re.escape(ch) for wild, ch in parts)
    return re.compile(regex, flags | re.DOTALL)


def _compare(test: Comparison, actual: str | float) -> bool:
    op, wanted = test.op, test.value
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
    assert isinstance(wanted, str), test
    if op == "LIKE":
        return _like(wanted).fullmatch(text) is not None
    if op == "ILIKE":
        return _like(wanted, re.IGNORECASE).fullmatch(text) is not None
    return (text == wanted) == (op == "=")


def _holds(test: Comparison, record: Record) -> bool:
    if test.entity == "metric":
        values = record.metrics.get(test.key, ())
        if test.op in ("IS NULL", "IS NOT NULL"):
            return bool(values) == (test.op == "IS NOT NULL")
        return any(_compare(test, value) for value in values if not math.isnan(value))
    source: Mapping[str, str | int | float | None] = (
        record.attributes
        if test.entity == "attribute"
        else record.tags
        if test.entity == "tag"
        else record.params
    )
    actual = source.get(test.key)
    if test.op in ("IS NULL", "IS NOT NULL"):
        return (actual is None) == (test.op == "IS NULL")
    if actual is None:
        return False
    return _compare(test, actual)


def matches(expression: Expr | None, record: Record) -> bool:
    """Whether ``record`` satisfies the parsed filter (None: no filter)."""
    if expression is None:
        return True
    if isinstance(expression, And):
        return all(matches(item, record) for item in expression.items)
    if isinstance(expression, Or):
        return any(matches(item, record) for item in expression.items)
    return _holds(expression, record)


def search(
    items: Iterable[T],
    record: Callable[[T], Record],
    expression: Expr | None,
    order: Sequence[OrderKey],
    token: str | None,
    size: int,
    query: str,
) -> tuple[list[T], str | None]:
    """One page of the items that match ``expression``, sorted by each attribute order key
    in turn (missing values last in either direction), and the token of the next page.
    ``query`` is the search's :func:`.page_token.fingerprint`.  Each item's record is built
    once."""
    found = [pair for pair in ((record(x), x) for x in items) if matches(expression, pair[0])]
    for key in reversed(order):
        present = [pair for pair in found if pair[0].attributes.get(key.key) is not None]
        missing = [pair for pair in found if pair[0].attributes.get(key.key) is None]
        present.sort(key=lambda pair: _sort_value(pair[0], key.key), reverse=not key.ascending)
        found = present + missing
    return page([x for _, x in found], token, size, query)


def _sort_value(record: Record, key: str) -> tuple[int, float, str]:
    value = record.attributes.get(key)
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))
