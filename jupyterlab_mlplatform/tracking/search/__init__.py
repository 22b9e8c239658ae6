"""Run search: the filter / order_by parser and its translation to SQLAlchemy Core.

Framework-free: the store calls :func:`parse_filter`, :func:`parse_order_by` and
:func:`build_search_query`, and the REST handlers only see :class:`InvalidArgument` errors.
"""

from __future__ import annotations

from jupyterlab_mlplatform.tracking.search.filter import (
    ATTRIBUTE_ALIASES,
    DEFAULT_ORDER,
    MAX_COMPARISONS,
    MAX_DEPTH,
    NULLABLE_ATTRIBUTES,
    NUMERIC_ATTRIBUTES,
    STRING_ATTRIBUTES,
    And,
    Comparator,
    Comparison,
    Entity,
    Expr,
    FilterSyntaxError,
    Or,
    OrderBySyntaxError,
    OrderKey,
    SearchSyntaxError,
    parse_filter,
    parse_order_by,
)
from jupyterlab_mlplatform.tracking.search.sql import (
    build_filter_clause,
    build_order_by,
    build_search_query,
    decode_page_token,
    encode_page_token,
    query_fingerprint,
)

__all__ = [
    "ATTRIBUTE_ALIASES",
    "DEFAULT_ORDER",
    "MAX_COMPARISONS",
    "MAX_DEPTH",
    "NULLABLE_ATTRIBUTES",
    "NUMERIC_ATTRIBUTES",
    "STRING_ATTRIBUTES",
    "And",
    "Comparator",
    "Comparison",
    "Entity",
    "Expr",
    "FilterSyntaxError",
    "Or",
    "OrderBySyntaxError",
    "OrderKey",
    "SearchSyntaxError",
    "build_filter_clause",
    "build_order_by",
    "build_search_query",
    "decode_page_token",
    "encode_page_token",
    "parse_filter",
    "parse_order_by",
    "query_fingerprint",
]
