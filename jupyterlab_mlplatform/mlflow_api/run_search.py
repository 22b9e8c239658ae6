"""MLflow's run searches on our store: the tags that mirror our fields become the fields.

MLflow clients filter and sort by ``tags.mlflow.runName`` and ``tags.mlflow.user``; those tags
are not stored (they show the run's name and user), so such comparisons and ``order_by``
items are rewritten to ``attributes.run_name`` and ``attributes.user``.  Everything else is
MLflow's grammar, which ours contains.  The store gets the parsed, rewritten query: it is
never rendered back to text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..tracking.search import And, Comparison, Expr, Or, OrderKey, ParsedQuery, parse_query
from .translate import RUN_NAME_TAG, USER_TAG

_TAG_TO_ATTRIBUTE = {RUN_NAME_TAG: "run_name", USER_TAG: "user"}


def run_query(filter_string: str | None, order_by: Sequence[str]) -> ParsedQuery:
    """MLflow's filter and ``order_by`` for our store, parsed: ``tags.mlflow.runName`` means
    the run's name and ``tags.mlflow.user`` its user."""
    parsed = parse_query(filter_string, order_by)
    expression = None if parsed.expression is None else rewrite(parsed.expression)
    return ParsedQuery(expression, tuple(_rewrite_order(key) for key in parsed.order))


def rewrite(expression: Expr) -> Expr:
    """The expression with the mirrored tags replaced by the fields they mirror."""
    if isinstance(expression, Comparison):
        attribute = _TAG_TO_ATTRIBUTE.get(expression.key)
        if expression.entity == "tag" and attribute is not None:
            return replace(expression, entity="attribute", key=attribute)
        return expression
    items = tuple(rewrite(item) for item in expression.items)
    return And(items) if isinstance(expression, And) else Or(items)


def _rewrite_order(key: OrderKey) -> OrderKey:
    attribute = _TAG_TO_ATTRIBUTE.get(key.key)
    if key.entity == "tag" and attribute is not None:
        return OrderKey("attribute", attribute, key.ascending)
    return key
