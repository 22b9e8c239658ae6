"""Search: the one filter / order_by grammar (:mod:`.lexer`, :mod:`.filter`), its two back
ends (SQL for runs, :mod:`.sql`, whose pages sorted by a metric, param or tag
:mod:`.topk` reads in index order; Python for experiments and logged models,
:mod:`.evaluator`) and the one page-token format (:mod:`.page_token`).

Framework-free: the store calls :func:`parse_query` and :func:`.topk.search_run_rows`
(which builds on :func:`build_search_query`), and the REST handlers only see :class:`InvalidArgument` errors.
"""

from __future__ import annotations

from jupyterlab_mlplatform.errors import (
    FilterSyntaxError,
    OrderBySyntaxError,
    SearchSyntaxError,
)
from jupyterlab_mlplatform.tracking.search.filter import (
    DEFAULT_ORDER,
    And,
    Comparison,
    Expr,
    Or,
    OrderKey,
    ParsedQuery,
    parse_filter,
    parse_order_by,
    parse_query,
)
from jupyterlab_mlplatform.tracking.search.grammar import (
    ATTRIBUTE_ALIASES,
    MAX_COMPARISONS,
    MAX_DEPTH,
    NULLABLE_ATTRIBUTES,
    NUMERIC_ATTRIBUTES,
    RUNS,
    STRING_ATTRIBUTES,
    Comparator,
    Entity,
    Grammar,
)
from jupyterlab_mlplatform.tracking.search.page_token import (
    decode_page_token,
    encode_page_token,
    fingerprint,
    page,
    query_fingerprint,
)
from jupyterlab_mlplatform.tracking.search.sql import (
    build_filter_clause,
    build_order_by,
    build_search_query,
)

__all__ = [
    "ATTRIBUTE_ALIASES",
    "DEFAULT_ORDER",
    "MAX_COMPARISONS",
    "MAX_DEPTH",
    "NULLABLE_ATTRIBUTES",
    "NUMERIC_ATTRIBUTES",
    "RUNS",
    "STRING_ATTRIBUTES",
    "And",
    "Comparator",
    "Comparison",
    "Entity",
    "Expr",
    "FilterSyntaxError",
    "Grammar",
    "Or",
    "OrderBySyntaxError",
    "OrderKey",
    "ParsedQuery",
    "SearchSyntaxError",
    "build_filter_clause",
    "build_order_by",
    "build_search_query",
    "decode_page_token",
    "encode_page_token",
    "fingerprint",
    "page",
    "parse_filter",
    "parse_order_by",
    "parse_query",
    "query_fingerprint",
]
