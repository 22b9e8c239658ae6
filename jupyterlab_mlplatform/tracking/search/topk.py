"""One page of a run search sorted by a metric, param or tag, read in the sort key's order.

:func:`.build_search_query` sorts every run that matches (a ``CASE`` rank puts runs without
the key last, which no index can give), so its cost grows with the number of runs.  When the
first sort key is a metric, param or tag and the search is broad, :func:`search_run_rows`
reads the same order as up to three statements, each walking an index in order and stopping
after the page:

1. runs with a value, ordered by it: the ``(key, is_nan, value, run_id)`` index of
   ``latest_metrics`` (``(key, value, run_id)`` of ``params`` on SQLite), with the filter's
   metric, param and tag tests as primary-key lookups per run (``EXISTS``);
2. for a metric, runs whose last value is NaN;
3. runs without the key (``NOT EXISTS``), walking ``runs`` by ``(experiment_id, start_time)``.

Inside each part the order is the rest of ``order_by``, then ``start_time DESC``, then
``run_id``: exactly :func:`.build_search_query`'s order, so pages and page tokens (offsets)
are the same.  A part that the offset skips whole is counted once.

A narrow search (an experiment, or an AND-ed filter test, with fewer than
:data:`NARROW_BOUND` rows) is left to :func:`.build_search_query`: sorting a few thousand
runs is cheaper than walking an index past the runs that fail the filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection, Row, Select, exists, false, func, select, true

from jupyterlab_mlplatform.tracking.models import ViewType
from jupyterlab_mlplatform.tracking.search.filter import And, Comparison, Expr, Or, OrderKey
from jupyterlab_mlplatform.tracking.search.sql import (
    build_filter_clause,
    build_order_by,
    build_search_query,
    matching_rows,
    run_scope,
)

__all__ = ["NARROW_BOUND", "search_run_rows"]

NARROW_BOUND: Final = 4000
"""Fewer candidate runs than this: sort them all (one statement) instead of walking an
index in order.  Counting up to this bound reads at most that many index entries."""


def _bounded_count(conn: Connection, statement: Select[Any], bound: int) -> int:
    limited = statement.limit(bound).subquery()
    return int(conn.execute(select(func.count()).select_from(limited)).scalar_one())


def _candidates(conn: Connection, expression: Expr, bound: int) -> int | None:
    """An upper bound (capped at ``bound``) on the runs that meet the filter,
    over every experiment; None when the filter does not bound them (attribute tests,
    ``IS NULL``)."""
    if isinstance(expression, And):
        # The smallest bound of the items; stop at the first under the bound.
        smallest: int | None = None
        for item in expression.items:
            found = _candidates(conn, item, bound)
            if found is not None and found < bound:
                return found
            smallest = found if smallest is None else smallest
        return smallest
    if isinstance(expression, Or):
        total = 0
        for item in expression.items:
            found = _candidates(conn, item, bound)
            if found is None:
                return None
            total += found
        return min(total, bound)
    assert isinstance(expression, Comparison)
    if expression.entity == "attribute" or expression.op == "IS NULL":
        return None
    table, conditions = matching_rows(expression)
    return _bounded_count(conn, select(table.c.run_id).where(*conditions), bound)


def _is_narrow(
    conn: Connection, experiment_ids: Sequence[int], expression: Expr | None, bound: int
) -> bool:
    from jupyterlab_mlplatform.tracking.store.schema import runs

    if bound <= 0:
        return False
    in_experiments = select(runs.c.run_id).where(runs.c.experiment_id.in_(experiment_ids))
    if _bounded_count(conn, in_experiments, bound) < bound:
        return True
    candidates = None if expression is None else _candidates(conn, expression, bound)
    return candidates is not None and candidates < bound


def _parts(
    experiment_ids: Sequence[int], view: ViewType, expression: Expr | None, order: list[OrderKey]
) -> list[Select[Any]]:
    """The statements of the parts, in order (see the module docstring)."""
    from jupyterlab_mlplatform.tracking.store.schema import latest_metrics, params, runs, tags

    first, rest = order[0], order[1:]
    table = {"metric": latest_metrics, "param": params, "tag": tags}[first.entity]
    where = run_scope(experiment_ids, view)
    if expression is not None:
        where.append(build_filter_clause(expression, correlated=True))
    key = table.alias("sort_key")
    joined = runs.join(key, (key.c.run_id == runs.c.run_id) & (key.c.key == first.key))
    # build_order_by adds start_time DESC and run_id; with no keys it would use the default
    # order, which is start_time DESC too.
    with_key, tail = build_order_by(rest, joined)
    value = key.c.value.asc() if first.ascending else key.c.value.desc()
    parts = []
    has_value = select(runs).select_from(with_key).where(*where)
    if first.entity == "metric":
        parts.append(has_value.where(key.c.is_nan == false()).order_by(value, *tail))
        parts.append(has_value.where(key.c.is_nan == true()).order_by(*tail))
    else:
        parts.append(has_value.order_by(value, *tail))
    without_key, tail = build_order_by(rest)
    missing = ~exists().where(table.c.run_id == runs.c.run_id, table.c.key == first.key)
    parts.append(select(runs).select_from(without_key).where(*where, missing).order_by(*tail))
    return parts


def search_run_rows(
    conn: Connection,
    experiment_ids: Sequence[int],
    view: ViewType,
    expression: Expr | None,
    order: Sequence[OrderKey],
    offset: int,
    limit: int,
    narrow_bound: int = NARROW_BOUND,
) -> list[Row[Any]]:
    """The ``runs`` rows of one page, in :func:`.build_search_query`'s order (same
    arguments); ``limit`` is the page size plus one, as there.  ``narrow_bound`` 0 always
    reads in index order (the tests use it to reach that path with few runs)."""
    statement = build_search_query(experiment_ids, view, expression, order, offset, limit)
    keys = list(order)
    if (
        not keys
        or keys[0].entity == "attribute"
        or _is_narrow(conn, experiment_ids, expression, narrow_bound)
    ):
        return list(conn.execute(statement).all())
    rows: list[Row[Any]] = []
    skip = offset
    for part in _parts(experiment_ids, view, expression, keys):
        wanted = limit - len(rows)
        if wanted == 0:
            break
        found = conn.execute(part.offset(skip).limit(wanted)).all()
        if found:
            rows += found
            skip = 0
        elif skip:
            # The offset passes this whole part: fewer rows than it, so count them all.
            counted = select(func.count()).select_from(part.order_by(None).subquery())
            skip -= int(conn.execute(counted).scalar_one())
    return rows
