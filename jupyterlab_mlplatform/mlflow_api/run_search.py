"""MLflow's run searches on our store: the tags that mirror our fields become the fields.

MLflow clients filter and sort by ``tags.mlflow.runName`` and ``tags.mlflow.user``; those tags
are not stored (they show the run's name and user), so such filters and ``order_by`` items
are rewritten to ``attributes.run_name`` and ``attributes.user``.  Everything else is MLflow's
grammar, which ours contains, and is passed on as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..tracking.search import And, Comparison, Expr, Or, OrderKey, parse_filter, parse_order_by
from .translate import RUN_NAME_TAG, USER_TAG

_TAG_TO_ATTRIBUTE = {RUN_NAME_TAG: "run_name", USER_TAG: "user"}


def run_filter(text: str | None) -> str:
    """MLflow's filter for our store: ``tags.mlflow.runName`` means the run's name and
    ``tags.mlflow.user`` its user.  Anything else is passed on as written."""
    expression = parse_filter(text)
    if expression is None:
        return ""
    rewritten = rewrite(expression)
    return (text or "") if rewritten == expression else _render(rewritten)


def rewrite(expression: Expr) -> Expr:
    """The expression with the mirrored tags replaced by the fields they mirror."""
    if isinstance(expression, Comparison):
        attribute = _TAG_TO_ATTRIBUTE.get(expression.key)
        if expression.entity == "tag" and attribute is not None:
            return replace(expression, entity="attribute", key=attribute)
        return expression
    items = tuple(rewrite(item) for item in expression.items)
    return And(items) if isinstance(expression, And) else Or(items)


_PREFIX = {"metric": "metrics", "param": "params", "tag": "tags", "attribute": "attributes"}


def _identifier(entity: str, key: str) -> str:
    if "`" not in key:
        return f"{_PREFIX[entity]}.`{key}`"
    return f'{_PREFIX[entity]}."' + key.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _render(expression: Expr) -> str:
    if isinstance(expression, Comparison):
        left = _identifier(expression.entity, expression.key)
        value = expression.value
        if value is None:
            return f"{left} {expression.op}"
        if isinstance(value, tuple):
            return f"{left} {expression.op} (" + ", ".join(_literal(v) for v in value) + ")"
        if isinstance(value, float):
            return f"{left} {expression.op} {value!r}"
        return f"{left} {expression.op} {_literal(value)}"
    joiner = " AND " if isinstance(expression, And) else " OR "
    return joiner.join(f"({_render(item)})" for item in expression.items)


def run_order_by(items: Sequence[str]) -> list[str]:
    """MLflow's ``order_by`` for our store, ``tags.mlflow.runName`` meaning the name."""
    keys = parse_order_by(items)
    rewritten = [_rewrite_order(key) for key in keys]
    if rewritten == keys:
        return list(items)
    return [
        f"{_identifier(key.entity, key.key)} {'ASC' if key.ascending else 'DESC'}"
        for key in rewritten
    ]


def _rewrite_order(key: OrderKey) -> OrderKey:
    attribute = _TAG_TO_ATTRIBUTE.get(key.key)
    if key.entity == "tag" and attribute is not None:
        return OrderKey("attribute", attribute, key.ascending)
    return key
