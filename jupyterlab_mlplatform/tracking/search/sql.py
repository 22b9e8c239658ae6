"""Translation of parsed filters and sort keys into SQLAlchemy Core, and page tokens.

The statements only use the tables of :mod:`..store.schema` and work on SQLite and PostgreSQL:

* metric tests read ``latest_metrics`` (the last value of each key) and never match a NaN value;
  ``IS NULL`` means the run has no such metric;
* param and tag tests are ``run_id IN (SELECT run_id FROM params WHERE key = ? AND ...)``
  subqueries that the ``(key, value)`` indexes answer; ``IS NULL`` is a ``NOT EXISTS``;
* ``LIKE`` is case-sensitive and ``ILIKE`` case-insensitive on both backends.  SQLite's
  ``LIKE`` ignores ASCII case, so there a ``LIKE`` is compiled to the equivalent ``GLOB``
  (see :class:`_case_sensitive_like`); ``\\`` escapes ``%`` and ``_`` on both;
* sorting by a metric, param or tag is a ``LEFT OUTER JOIN`` on that key; runs without the key
  (and NaN metrics, just before them) come last in both directions, and ``run_id`` is always
  the final tiebreak so that offset pagination is stable.

The tables are imported inside the functions: the store package imports this one, so a
module-level import of :mod:`..store.schema` would be circular when this package is imported
first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    FromClause,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.functions import FunctionElement

from jupyterlab_mlplatform.errors import InvalidArgument
from jupyterlab_mlplatform.tracking.models import LifecycleStage, ViewType
from jupyterlab_mlplatform.tracking.search.filter import (
    DEFAULT_ORDER,
    And,
    Comparison,
    Expr,
    Or,
    OrderKey,
)
from jupyterlab_mlplatform.tracking.search.grammar import NULLABLE_ATTRIBUTES, Comparator
from jupyterlab_mlplatform.tracking.search.lexer import like_parts

__all__ = [
    "build_filter_clause",
    "build_order_by",
    "build_search_query",
    "matching_rows",
    "run_scope",
]

# -- LIKE ----------------------------------------------------------------------------------

_ESCAPE: Final = "\\"


def _like_pattern(parts: list[tuple[bool, str]]) -> str:
    """A LIKE pattern with ``\\`` as the escape character."""
    return "".join(ch if wild or ch not in "%_\\" else _ESCAPE + ch for wild, ch in parts)


def _glob_pattern(parts: list[tuple[bool, str]]) -> str:
    """The SQLite GLOB pattern that matches the same strings (GLOB is case-sensitive)."""
    out: list[str] = []
    for wild, ch in parts:
        if wild:
            out.append("*" if ch == "%" else "?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    return "".join(out)


class _case_sensitive_like(FunctionElement[bool]):
    """``column LIKE pattern ESCAPE '\\'``, case-sensitive on every backend.

    Arguments: the column, the LIKE pattern and the equivalent GLOB pattern (both bound
    parameters).  PostgreSQL (and the default) renders the LIKE; SQLite, whose LIKE ignores
    ASCII case unless ``PRAGMA case_sensitive_like`` is set on the connection, renders
    ``column GLOB pattern`` instead.  Being a function element, it takes part in SQLAlchemy's
    statement cache with its patterns as ordinary parameters.
    """

    name = "case_sensitive_like"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a comparison: no "= 1" on backends without booleans


def _arguments(element: _case_sensitive_like) -> list[ColumnElement[Any]]:
    return list(element.clauses)


@compiles(_case_sensitive_like)
def _compile_like(element: _case_sensitive_like, compiler: SQLCompiler, **kw: Any) -> str:
    column, like, _glob = _arguments(element)
    return compiler.process(column.like(like, escape=_ESCAPE), **kw)


@compiles(_case_sensitive_like, "sqlite")
def _compile_glob(element: _case_sensitive_like, compiler: SQLCompiler, **kw: Any) -> str:
    column, _like, glob = _arguments(element)
    return compiler.process(column.op("GLOB", is_comparison=True)(glob), **kw)


def _like(column: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
    parts = like_parts(pattern)
    return _case_sensitive_like(
        column, literal(_like_pattern(parts), String), literal(_glob_pattern(parts), String)
    )


def _ilike(column: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
    # SQLAlchemy renders ILIKE on PostgreSQL and lower(x) LIKE lower(y) elsewhere.
    return column.ilike(literal(_like_pattern(like_parts(pattern)), String), escape=_ESCAPE)


# -- comparisons ---------------------------------------------------------------------------


def _string_test(column: ColumnElement[Any], op: Comparator, value: object) -> ColumnElement[bool]:
    if op in ("IN", "NOT IN"):
        assert isinstance(value, tuple)
        values = list(value)
        return column.in_(values) if op == "IN" else column.not_in(values)
    assert isinstance(value, str), value
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "LIKE":
        return _like(column, value)
    if op == "ILIKE":
        return _ilike(column, value)
    raise AssertionError(f"not a string comparison: {op}")


def _numeric_test(
    column: ColumnElement[Any], op: Comparator, value: object, integer_column: bool
) -> ColumnElement[bool]:
    assert isinstance(value, float), value
    # Comparing a BIGINT column with a float would make PostgreSQL cast the column (no index).
    number: float | int = int(value) if integer_column and value.is_integer() else value
    if op == "=":
        return column == number
    if op == "!=":
        return column != number
    if op == "<":
        return column < number
    if op == "<=":
        return column <= number
    if op == ">":
        return column > number
    if op == ">=":
        return column >= number
    raise AssertionError(f"not a numeric comparison: {op}")


def _attribute_column(name: str) -> ColumnElement[Any]:
    from jupyterlab_mlplatform.tracking.store.schema import runs

    if name == "run_name":
        return runs.c.name
    if name == "duration":
        # In floating point: the difference of two 64-bit times can overflow BIGINT
        # (PostgreSQL's "bigint out of range"); a double is exact to the millisecond for
        # durations under 285,000 years.
        return cast(runs.c.end_time, Float) - cast(runs.c.start_time, Float)
    if name == "experiment_id":
        # Experiment ids are strings on the wire and integers in the table.
        return cast(runs.c.experiment_id, String)
    return runs.c[name]


def _semi_join(
    table: Table, conditions: list[ColumnElement[bool]], correlated: bool
) -> ColumnElement[bool]:
    """The runs that have a row of ``table`` meeting ``conditions``.

    ``run_id IN (SELECT ...)`` by default: SQLite builds the list once, which suits a filter
    that few runs meet.  ``correlated`` gives ``EXISTS (... WHERE run_id = runs.run_id)``, one
    primary-key lookup per run, which suits a walk of an index in sort order that stops after
    a page (:mod:`.topk`).  PostgreSQL plans both as the same semi-join.
    """
    from jupyterlab_mlplatform.tracking.store.schema import runs

    if correlated:
        return exists().where(table.c.run_id == runs.c.run_id, *conditions)
    return runs.c.run_id.in_(select(table.c.run_id).where(*conditions))


def matching_rows(test: Comparison) -> tuple[Table, list[ColumnElement[bool]]]:
    """The table and the conditions on its rows of a metric, param or tag test that is
    not ``IS NULL`` (the runs that meet it are those with such a row)."""
    from jupyterlab_mlplatform.tracking.store.schema import latest_metrics, params, tags

    if test.entity == "metric":
        lm = latest_metrics
        conditions = [lm.c.key == test.key]
        if test.op != "IS NOT NULL":
            # NaN is stored as value = 0, is_nan = true: it matches no comparison.
            conditions += [
                lm.c.is_nan == false(),
                _numeric_test(lm.c.value, test.op, test.value, integer_column=False),
            ]
        return lm, conditions
    table = params if test.entity == "param" else tags
    conditions = [table.c.key == test.key]
    if test.op != "IS NOT NULL":
        conditions.append(_string_test(table.c.value, test.op, test.value))
    return table, conditions


def _key_test(test: Comparison, correlated: bool) -> ColumnElement[bool]:
    from jupyterlab_mlplatform.tracking.store.schema import latest_metrics, params, runs, tags

    if test.op == "IS NULL":
        table = {"metric": latest_metrics, "param": params, "tag": tags}[test.entity]
        return ~exists().where(table.c.run_id == runs.c.run_id, table.c.key == test.key)
    table, conditions = matching_rows(test)
    return _semi_join(table, conditions, correlated)


def _attribute_test(test: Comparison) -> ColumnElement[bool]:
    column = _attribute_column(test.key)
    if test.op == "IS NULL":
        return column.is_(None)
    if test.op == "IS NOT NULL":
        return column.is_not(None)
    if isinstance(test.value, float):
        integer = test.key in ("start_time", "end_time", "duration")
        return _numeric_test(column, test.op, test.value, integer_column=integer)
    return _string_test(column, test.op, test.value)


def build_filter_clause(expression: Expr, correlated: bool = False) -> ColumnElement[bool]:
    """The WHERE condition (on ``runs``) of a parsed filter.

    ``correlated`` writes metric, param and tag tests as ``EXISTS`` lookups per run instead
    of ``run_id IN (list)`` (see :func:`_semi_join`); both select the same runs.
    """
    if isinstance(expression, And):
        return and_(*(build_filter_clause(item, correlated) for item in expression.items))
    if isinstance(expression, Or):
        return or_(*(build_filter_clause(item, correlated) for item in expression.items))
    if expression.entity in ("metric", "param", "tag"):
        return _key_test(expression, correlated)
    return _attribute_test(expression)


# -- ordering ------------------------------------------------------------------------------


def _direction(column: ColumnElement[Any], ascending: bool) -> UnaryExpression[Any]:
    return column.asc() if ascending else column.desc()


def build_order_by(
    order: Sequence[OrderKey], from_clause: FromClause | None = None
) -> tuple[FromClause, list[ColumnElement[Any]]]:
    """The FROM clause (``runs`` plus one outer join per metric/param/tag key) and ORDER BY.

    ``from_clause`` is what the joins are added to (``runs`` when None).

    An empty ``order`` means :data:`DEFAULT_ORDER`.  ``start_time DESC`` is added when the
    keys do not mention it, then ``run_id`` as the final tiebreak.  Missing values sort last
    in both directions (portably: an ``IS NULL`` rank first, not ``NULLS LAST``).
    """
    from jupyterlab_mlplatform.tracking.store.schema import latest_metrics, params, runs, tags

    if from_clause is None:
        from_clause = runs
    keys = list(order) or list(DEFAULT_ORDER)
    clauses: list[ColumnElement[Any]] = []
    for index, key in enumerate(keys):
        if key.entity == "attribute":
            column = _attribute_column(key.key)
            if key.key == "experiment_id":
                column = runs.c.experiment_id  # sort numerically
            if key.key in NULLABLE_ATTRIBUTES:
                clauses.append(case((column.is_(None), 1), else_=0).asc())
            clauses.append(_direction(column, key.ascending))
            continue
        table = {"metric": latest_metrics, "param": params, "tag": tags}[key.entity]
        joined = table.alias(f"order_{index}")
        from_clause = from_clause.outerjoin(
            joined, and_(joined.c.run_id == runs.c.run_id, joined.c.key == key.key)
        )
        if key.entity == "metric":
            # Real values, then NaN, then runs without the metric.
            rank = case((joined.c.run_id.is_(None), 2), (joined.c.is_nan == true(), 1), else_=0)
        else:
            rank = case((joined.c.run_id.is_(None), 1), else_=0)
        clauses += [rank.asc(), _direction(joined.c.value, key.ascending)]
    named = {key.key for key in keys if key.entity == "attribute"}
    if "start_time" not in named:
        clauses.append(runs.c.start_time.desc())
    if "run_id" not in named:
        clauses.append(runs.c.run_id.asc())
    return from_clause, clauses


# -- the query -----------------------------------------------------------------------------


def build_search_query(
    experiment_ids: Sequence[int],
    view: ViewType,
    expression: Expr | None,
    order: Sequence[OrderKey],
    offset: int,
    limit: int,
) -> Select[Any]:
    """``SELECT runs.* ...`` for one page of a search.

    ``experiment_ids`` are the experiments to search (an empty list matches nothing: the
    caller decides what "all experiments" means); ``view`` selects active and/or deleted
    runs; ``expression`` comes from :func:`.parse_filter`, ``order`` from
    :func:`.parse_order_by`.  Fetch ``limit = page_size + 1`` rows to know whether there
    is a next page.
    """
    from jupyterlab_mlplatform.tracking.store.schema import runs

    if offset < 0:
        raise InvalidArgument("offset must be >= 0")
    if limit < 1:
        raise InvalidArgument("limit must be >= 1")
    from_clause, order_by = build_order_by(order)
    statement = select(runs).select_from(from_clause).where(*run_scope(experiment_ids, view))
    if expression is not None:
        statement = statement.where(build_filter_clause(expression))
    return statement.order_by(*order_by).offset(offset).limit(limit)


def run_scope(experiment_ids: Sequence[int], view: ViewType) -> list[ColumnElement[bool]]:
    """The conditions on ``runs`` of a search's experiments and view."""
    from jupyterlab_mlplatform.tracking.store.schema import runs

    scope: list[ColumnElement[bool]] = [runs.c.experiment_id.in_([int(e) for e in experiment_ids])]
    if view == ViewType.ACTIVE_ONLY:
        scope.append(runs.c.lifecycle_stage == LifecycleStage.ACTIVE.value)
    elif view == ViewType.DELETED_ONLY:
        scope.append(runs.c.lifecycle_stage == LifecycleStage.DELETED.value)
    return scope
