"""The one parser of search filters and ``order_by`` items: runs, experiments, logged models.

The filter grammar is MLflow's ``search_runs`` grammar plus ``OR`` and parentheses::

    filter     := or_expr
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := primary ("AND" primary)*          # AND binds tighter than OR
    primary    := "(" or_expr ")" | comparison
    comparison := identifier operator value
    identifier := entity "." key | attribute        # a bare name is an attribute
    entity     := metrics | params | tags | attributes   (and MLflow's aliases)
    key        := unquoted-key | `backtick quoted` | "double quoted"
    operator   := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN | IS NULL | IS NOT NULL
    value      := 'string' | "string" | number | "(" string ("," string)* ")"

Keywords are case-insensitive.  Unquoted keys may contain letters, digits and ``_ . - / :``;
anything else needs backticks.  In string literals a doubled quote or a backslash before a
quote stands for the quote and ``\\\\`` for one backslash; any other backslash is kept, so
``LIKE`` patterns can escape ``%`` and ``_`` with ``\\%`` and ``\\_`` (PostgreSQL's rule).

What each search accepts is a :class:`.grammar.Grammar`: its entities and attributes, which
attributes are numeric and which may be NULL, and whether ``OR``, parentheses and
``IS [NOT] NULL`` are allowed.  :data:`RUNS` is the runs' grammar (everything above); MLflow's experiment and
logged-model searches pass theirs (``mlflow_api/translate.py``: ``AND`` only, no ``IS NULL``).
The parsed :data:`Expr` has two back ends: SQL (:mod:`.sql`, runs) and Python
(:mod:`.evaluator`, experiments and logged models).

The parser checks types the way MLflow does: metrics compare with numbers, params and tags with
strings, attributes with whatever their column holds.  Every error is a
:class:`FilterSyntaxError` (or :class:`OrderBySyntaxError`) that names the 0-based position of
the problem and shows a short excerpt with a caret under it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

from jupyterlab_mlplatform.errors import (
    SearchSyntaxError,
)
from jupyterlab_mlplatform.tracking.models import fits_int64
from jupyterlab_mlplatform.tracking.search.grammar import (
    ENTITY_NAMES,
    MAX_COMPARISONS,
    MAX_DEPTH,
    NULL_OPS,
    OP_BY_TEXT,
    RUNS,
    Comparator,
    Entity,
    Grammar,
    allowed_ops,
    entity_label,
    join_words,
    op_order,
    resolve,
    wants_number,
)
from jupyterlab_mlplatform.tracking.search.lexer import Fail, Lexer, Token

# -- AST -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One ``identifier operator value`` test.

    ``value`` is a float for metrics and numeric attributes, a string for ``= != LIKE ILIKE``
    on params, tags and string attributes, a tuple of strings for ``IN`` / ``NOT IN`` and
    ``None`` for ``IS NULL`` / ``IS NOT NULL``.  Attribute keys are canonical
    (``name`` becomes ``run_name``).  ``position`` is where the identifier starts.
    """

    entity: Entity
    key: str
    op: Comparator
    value: float | str | tuple[str, ...] | None
    position: int = 0


@dataclass(frozen=True)
class And:
    """All of ``items`` hold (two or more; nested ``And`` are flattened)."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``items`` holds (two or more; nested ``Or`` are flattened)."""

    items: tuple[Expr, ...]


Expr: TypeAlias = Comparison | And | Or


@dataclass(frozen=True)
class OrderKey:
    """One ``order_by`` item: sort by a metric, param, tag or attribute."""

    entity: Entity
    key: str
    ascending: bool = True


@dataclass(frozen=True)
class ParsedQuery:
    """A search's filter and ``order_by``, parsed (and perhaps rewritten by the caller, as
    MLflow's run search does): what a store searches with."""

    expression: Expr | None
    order: tuple[OrderKey, ...] = ()


DEFAULT_ORDER: Final = (OrderKey("attribute", "start_time", ascending=False),)
"""Order used when ``order_by`` is empty (``run_id`` is always the last tiebreak)."""


# -- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, fail: Fail, grammar: Grammar) -> None:
        self.fail = fail
        self.grammar = grammar
        self.tokens = Lexer(text, fail).tokens()
        self.index = 0
        self.comparisons = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "keyword" and token.text == word

    def parse(self) -> Expr:
        expr = self.or_expr(0)
        token = self.peek()
        if token.kind == ")":
            raise self.fail(token.position, "unbalanced ')': there is no '(' to close")
        if token.kind != "end":
            joiners = "AND, OR" if self.grammar.boolean_or else "AND"
            raise self.fail(
                token.position,
                f"expected {joiners} or the end of the filter, found {token.describe()}",
            )
        return expr

    def no_boolean_or(self, token: Token, what: str) -> SearchSyntaxError:
        return self.fail(
            token.position, f"{what} not supported in this search: join comparisons with AND"
        )

    def or_expr(self, depth: int) -> Expr:
        items = [self.and_expr(depth, after=None)]
        while self.is_keyword("OR"):
            if not self.grammar.boolean_or:
                raise self.no_boolean_or(self.peek(), "OR is")
            self.advance()
            items.append(self.and_expr(depth, after="OR"))
        return _combine(Or, items)

    def and_expr(self, depth: int, after: str | None) -> Expr:
        items = [self.primary(depth, after)]
        while self.is_keyword("AND"):
            self.advance()
            items.append(self.primary(depth, after="AND"))
        return _combine(And, items)

    def primary(self, depth: int, after: str | None) -> Expr:
        token = self.peek()
        if token.kind == "(":
            if not self.grammar.boolean_or:
                raise self.no_boolean_or(token, "parentheses are")
            if depth >= MAX_DEPTH:
                raise self.fail(token.position, f"too deeply nested (at most {MAX_DEPTH} levels)")
            self.advance()
            if self.peek().kind == ")":
                raise self.fail(self.peek().position, "empty parentheses")
            expr = self.or_expr(depth + 1)
            closing = self.peek()
            if closing.kind != ")":
                raise self.fail(
                    closing.position,
                    f"expected ')' to close the '(' at position {token.position}, "
                    f"found {closing.describe()}",
                )
            self.advance()
            return expr
        if token.kind == "ident":
            return self.comparison()
        where = f" after '{after}'" if after else ""
        if token.kind == "end":
            raise self.fail(token.position, f"expected a comparison{where}")
        raise self.fail(
            token.position,
            f"expected a comparison such as metrics.<key> > 0{where}, found {token.describe()}",
        )

    def comparison(self) -> Comparison:
        ident = self.advance()
        entity, key = resolve(ident, self.fail, self.grammar)
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise self.fail(ident.position, f"too many comparisons (at most {MAX_COMPARISONS})")
        op_token = self.peek()
        op = self.operator(ident)
        allowed = allowed_ops(entity, key, self.grammar)
        if op not in allowed:
            raise self.fail(
                op_token.position,
                f"{entity_label(entity, key, self.grammar)} cannot be compared with {op}; "
                f"use {op_order(allowed)}",
            )
        value = self.value(entity, key, op, op_token)
        return Comparison(entity, key, op, value, ident.position)

    def operator(self, ident: Token) -> Comparator:
        token = self.advance()
        if token.kind == "op":
            if token.text == "==":
                raise self.fail(token.position, "use '=' instead of '=='")
            if token.text == "<>":
                raise self.fail(token.position, "use '!=' instead of '<>'")
            return OP_BY_TEXT[token.text]
        if token.kind == "keyword":
            if token.text in ("LIKE", "ILIKE", "IN"):
                return OP_BY_TEXT[token.text]
            if token.text == "NOT":
                following = self.advance()
                if following.kind == "keyword" and following.text == "IN":
                    return "NOT IN"
                raise self.fail(following.position, "expected IN after NOT")
            if token.text == "IS":
                following = self.advance()
                if following.kind == "keyword" and following.text == "NULL":
                    return "IS NULL"
                if following.kind == "keyword" and following.text == "NOT":
                    last = self.advance()
                    if last.kind == "keyword" and last.text == "NULL":
                        return "IS NOT NULL"
                    raise self.fail(last.position, "expected NULL after IS NOT")
                raise self.fail(following.position, "expected NULL or NOT NULL after IS")
        shown = ident.describe()
        nulls = " IS NULL IS NOT NULL" if self.grammar.null_tests or self.grammar.nullable else ""
        raise self.fail(
            token.position,
            f"expected a comparison operator (= != < <= > >= LIKE ILIKE IN NOT IN{nulls}) "
            f"after {shown}, found {token.describe()}",
        )

    def value(
        self, entity: Entity, key: str, op: Comparator, op_token: Token
    ) -> float | str | tuple[str, ...] | None:
        if op in NULL_OPS:
            return None
        if op in ("IN", "NOT IN"):
            return self.in_list(op)
        token = self.advance()
        if token.kind == "end":
            raise self.fail(token.position, f"expected a value after '{op_token.text}'")
        if wants_number(entity, key, self.grammar):
            if token.kind != "number":
                raise self.fail(
                    token.position,
                    f"expected a number after '{op_token.text}' ({entity_label(entity, key, self.grammar)} "
                    f"compares with numbers), found {token.describe()}",
                )
            number = float(token.text)
            if not math.isfinite(number):
                raise self.fail(token.position, "number out of range")
            if entity == "attribute" and not fits_int64(token.text, number):
                raise self.fail(token.position, f"number out of range for {key} (a 64-bit integer)")
            return number
        if token.kind != "string":
            hint = (
                " (write it in quotes: values of params, tags and string attributes are strings)"
                if token.kind in ("number", "ident")
                else ""
            )
            raise self.fail(
                token.position,
                f"expected a string in quotes after '{op_token.text}', found "
                f"{token.describe()}{hint}",
            )
        return token.text

    def in_list(self, op: str) -> tuple[str, ...]:
        opening = self.advance()
        if opening.kind != "(":
            raise self.fail(
                opening.position,
                f"expected '(' after {op}, as in {op} ('a', 'b'), found {opening.describe()}",
            )
        if self.peek().kind == ")":
            raise self.fail(self.peek().position, f"{op} () needs at least one value")
        values: list[str] = []
        while True:
            token = self.advance()
            if token.kind != "string":
                raise self.fail(
                    token.position,
                    f"expected a string in quotes in the {op} list, found {token.describe()}",
                )
            values.append(token.text)
            separator = self.advance()
            if separator.kind == ")":
                return tuple(values)
            if separator.kind != ",":
                raise self.fail(
                    separator.position,
                    f"expected ',' or ')' in the {op} list, found {separator.describe()}",
                )


def _combine(kind: type[And | Or], items: list[Expr]) -> Expr:
    if len(items) == 1:
        return items[0]
    flat: list[Expr] = []
    for item in items:
        if isinstance(item, kind):
            flat.extend(item.items)
        else:
            flat.append(item)
    return kind(tuple(flat))


# -- public API ----------------------------------------------------------------------------


def parse_filter(text: str | None, grammar: Grammar = RUNS) -> Expr | None:
    """The AST of a filter string, or None when it is empty or only whitespace.

    ``grammar`` says what the search accepts (by default the runs' grammar).  Raises
    :class:`FilterSyntaxError` (a 400) when it is malformed.
    """
    if text is None or not text.strip():
        return None
    return _Parser(text, Fail(text), grammar).parse()


def parse_order_by(
    items: Sequence[str], grammar: Grammar = RUNS, directions: bool = True
) -> list[OrderKey]:
    """The sort keys of ``order_by`` items such as ``metrics.acc DESC`` or ``name``.

    ``grammar`` says which entities and attributes a search sorts by; without
    ``directions`` an item is a column only (MLflow's logged-model search sends the
    direction apart).  An empty list gives an empty list: :data:`DEFAULT_ORDER` is applied
    by the query builder.  Raises :class:`OrderBySyntaxError` (a 400) naming the bad item.
    """
    keys: list[OrderKey] = []
    for index, item in enumerate(items):
        fail = Fail(item, index)
        tokens = Lexer(item, fail).tokens()
        first = tokens[0]
        if first.kind != "ident":
            example = [ENTITY_NAMES[e] for e in ENTITY_NAMES if e in grammar.entities]
            example[-1] = grammar.names[0] if example[-1].startswith("attr") else example[-1]
            raise fail(
                first.position,
                f"expected a column such as {join_words(example, 'or')}, found {first.describe()}",
            )
        entity, key = resolve(first, fail, grammar)
        ascending = True
        rest = tokens[1:]
        direction = rest[0]
        if not directions and direction.kind != "end":
            raise fail(direction.position, f"unexpected {direction.describe()} after the column")
        if direction.kind == "ident" and direction.prefix is None and not direction.quoted:
            word = direction.text.upper()
            if word not in ("ASC", "DESC"):
                raise fail(
                    direction.position, f"expected ASC or DESC, found {direction.describe()}"
                )
            ascending = word == "ASC"
            rest = rest[1:]
        elif direction.kind != "end":
            raise fail(direction.position, f"expected ASC or DESC, found {direction.describe()}")
        if rest[0].kind != "end":
            raise fail(rest[0].position, f"unexpected {rest[0].describe()} after the direction")
        keys.append(OrderKey(entity, key, ascending))
    return keys


def parse_query(
    filter_string: str | None, order_by: Sequence[str], grammar: Grammar = RUNS
) -> ParsedQuery:
    """:func:`parse_filter` and :func:`parse_order_by` at once."""
    return ParsedQuery(
        parse_filter(filter_string, grammar), tuple(parse_order_by(order_by, grammar))
    )
