"""Parser of run-search filters and ``order_by`` items.

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

The parser checks types the way MLflow does: metrics compare with numbers, params and tags with
strings, attributes with whatever their column holds.  Every error is a
:class:`FilterSyntaxError` (or :class:`OrderBySyntaxError`) that names the 0-based position of
the problem and shows a short excerpt with a caret under it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from jupyterlab_mlplatform.errors import (
    FilterSyntaxError,
    OrderBySyntaxError,
    SearchSyntaxError,
    printable,
)
from jupyterlab_mlplatform.tracking.models import fits_int64

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
    "parse_filter",
    "parse_order_by",
]

Entity: TypeAlias = Literal["metric", "param", "tag", "attribute"]
Comparator: TypeAlias = Literal[
    "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"
]

MAX_DEPTH: Final = 32
"""Deepest nesting of parentheses accepted in a filter."""
MAX_COMPARISONS: Final = 100
"""Most comparisons in one filter (each one is a subquery; SQLite limits expression depth)."""

# -- attributes ----------------------------------------------------------------------------

STRING_ATTRIBUTES: Final = frozenset(
    {
        "run_id",
        "run_name",
        "status",
        "user",
        "artifact_uri",
        "lifecycle_stage",
        "source_notebook",
        "experiment_id",
    }
)
"""Attributes compared with strings (``= != LIKE ILIKE IN NOT IN``)."""

NUMERIC_ATTRIBUTES: Final = frozenset({"start_time", "end_time", "duration"})
"""Attributes compared with numbers (milliseconds; ``duration = end_time - start_time``)."""

NULLABLE_ATTRIBUTES: Final = frozenset({"end_time", "duration", "user", "source_notebook"})
"""Attributes that also take ``IS NULL`` and ``IS NOT NULL``."""

ATTRIBUTE_ALIASES: Final[dict[str, str]] = {
    **{name: name for name in STRING_ATTRIBUTES | NUMERIC_ATTRIBUTES},
    "name": "run_name",
    "run name": "run_name",
    "run_uuid": "run_id",
    "user_id": "user",
    "created": "start_time",
}
"""Accepted attribute names (lower-cased) and the attribute each one means."""

_ENTITY_PREFIXES: Final[dict[str, Entity]] = {
    "metrics": "metric",
    "metric": "metric",
    "params": "param",
    "param": "param",
    "parameters": "param",
    "tags": "tag",
    "tag": "tag",
    "attributes": "attribute",
    "attribute": "attribute",
    "attr": "attribute",
    "run": "attribute",
}

_NUMERIC_OPS: Final[frozenset[str]] = frozenset({"=", "!=", "<", "<=", ">", ">="})
_STRING_OPS: Final[frozenset[str]] = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})
_NULL_OPS: Final[frozenset[str]] = frozenset({"IS NULL", "IS NOT NULL"})
_OP_BY_TEXT: Final[dict[str, Comparator]] = {
    "=": "=",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "LIKE": "LIKE",
    "ILIKE": "ILIKE",
    "IN": "IN",
}
_KEYWORDS: Final = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"})

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


DEFAULT_ORDER: Final = (OrderKey("attribute", "start_time", ascending=False),)
"""Order used when ``order_by`` is empty (``run_id`` is always the last tiebreak)."""

# -- errors (the classes are in jupyterlab_mlplatform.errors) ------------------------------

_QUOTE_MAX: Final = 30


def _quote(text: str) -> str:
    """A short, quoted rendering of a piece of user input for an error message."""
    text = printable(text)
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 3] + "..."
    return f"'{text}'"


# -- tokens --------------------------------------------------------------------------------

_TokenKind: TypeAlias = Literal["ident", "string", "number", "op", "keyword", "(", ")", ",", "end"]
_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
"""Numbers are written with ASCII digits only: ``\\d`` alone would take any Unicode digit,
which ``float`` reads (Arabic-Indic twelve) or not (superscript two)."""
_OPERATORS: Final = ("!=", "<=", ">=", "==", "<>", "=", "<", ">")
_KEY_PUNCTUATION: Final = "_.-/:"


@dataclass(frozen=True)
class _Token:
    kind: _TokenKind
    text: str
    """ident: the key; keyword: upper-cased; string: the value; op/number: the source."""
    position: int
    prefix: str | None = None
    """ident only: the entity prefix as written (``metrics``), None for a bare name."""
    prefix_position: int = 0
    key_position: int = 0
    quoted: bool = False
    """ident only: the key was in backticks or double quotes."""

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the input"
        if self.kind == "string":
            return "a string"
        if self.kind == "number":
            return f"the number {_quote(self.text)}"
        if self.kind == "ident":
            shown = self.text if self.prefix is None else f"{self.prefix}.{self.text}"
            return _quote(shown)
        return _quote(self.text)


class _Lexer:
    def __init__(self, text: str, fail: _Fail) -> None:
        self.text = text
        self.fail = fail
        self.pos = 0

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                out.append(_Token("end", "", len(text)))
                return out
            out.append(self._token())

    def _token(self) -> _Token:
        text, start = self.text, self.pos
        ch = text[start]
        if ch in "(),":
            self.pos += 1
            kind: _TokenKind = "(" if ch == "(" else ")" if ch == ")" else ","
            return _Token(kind, ch, start)
        for op in _OPERATORS:
            if text.startswith(op, start):
                self.pos += len(op)
                return _Token("op", op, start)
        if ch in "'\"":
            return _Token("string", self._string(), start)
        if _NUMBER_RE.match(text, start):
            return self._number()
        if ch.isalpha() or ch in "_`":
            return self._identifier()
        if ch == "!":
            raise self.fail(start, "'!' must be followed by '=' (the operator is '!=')")
        raise self.fail(start, f"unexpected character {_quote(ch)}")

    def _string(self) -> str:
        """A quoted literal starting at ``self.pos``; see the module docstring for escapes."""
        text, start = self.text, self.pos
        quote = text[start]
        chars: list[str] = []
        i = start + 1
        while i < len(text):
            ch = text[i]
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if ch == "\\" and nxt in (quote, "\\"):
                chars.append(nxt)
                i += 2
            elif ch == quote and nxt == quote:
                chars.append(quote)
                i += 2
            elif ch == quote:
                self.pos = i + 1
                return "".join(chars)
            else:
                chars.append(ch)
                i += 1
        raise self.fail(start, f"unterminated string: no closing {quote} for this one")

    def _number(self) -> _Token:
        text, start = self.text, self.pos
        match = _NUMBER_RE.match(text, start)
        assert match is not None  # the caller checked
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "._"):
            raise self.fail(start, "invalid number")
        self.pos = end
        return _Token("number", match.group(), start)

    def _backticks(self) -> str:
        text, start = self.text, self.pos
        end = text.find("`", start + 1)
        if end < 0:
            raise self.fail(start, "unterminated `quoted` name: no closing backtick")
        self.pos = end + 1
        return text[start + 1 : end]

    def _word(self) -> str:
        text, start = self.text, self.pos
        end = start
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        self.pos = end
        return text[start:end]

    def _identifier(self) -> _Token:
        text, start = self.text, self.pos
        quoted = text[start] == "`"
        word = self._backticks() if quoted else self._word()
        if self.pos < len(text) and text[self.pos] == ".":
            self.pos += 1
            return self._key(prefix=word, prefix_position=start)
        if not quoted and word.upper() in _KEYWORDS:
            return _Token("keyword", word.upper(), start)
        if quoted and not word:
            raise self.fail(start, "empty `quoted` name")
        return _Token("ident", word, start, key_position=start, quoted=quoted)

    def _key(self, prefix: str, prefix_position: int) -> _Token:
        text, start = self.text, self.pos
        ch = text[start] if start < len(text) else ""
        if ch == "`":
            key, quoted = self._backticks(), True
        elif ch == '"':
            key, quoted = self._string(), True
        else:
            end = start
            while end < len(text) and (text[end].isalnum() or text[end] in _KEY_PUNCTUATION):
                end += 1
            key, quoted = text[start:end], False
            self.pos = end
            if not key:
                raise self.fail(start, f"expected a key after {_quote(prefix + '.')}")
        if not key:
            raise self.fail(start, "empty key")
        return _Token(
            "ident",
            key,
            prefix_position,
            prefix=prefix,
            prefix_position=prefix_position,
            key_position=start,
            quoted=quoted,
        )


class _Fail:
    """Makes the error for one input string (the filter or one order_by item)."""

    def __init__(self, text: str, index: int | None = None) -> None:
        self.text = text
        self.index = index

    def __call__(self, position: int, reason: str) -> SearchSyntaxError:
        if self.index is None:
            return FilterSyntaxError(self.text, position, reason)
        return OrderBySyntaxError(self.text, position, reason, self.index)


def _resolve(token: _Token, fail: _Fail) -> tuple[Entity, str]:
    """The entity and key an identifier token names (attributes made canonical)."""
    if token.prefix is None:
        entity: Entity = "attribute"
    else:
        found = _ENTITY_PREFIXES.get(token.prefix.lower())
        if found is None:
            raise fail(
                token.prefix_position,
                f"unknown entity {_quote(token.prefix)}: use metrics.<key>, params.<key>, "
                "tags.<key> or attributes.<name>",
            )
        entity = found
    if entity != "attribute":
        return entity, token.text
    attribute = ATTRIBUTE_ALIASES.get(token.text.lower())
    if attribute is None:
        hint = (
            "; prefix metric, param and tag keys with metrics., params. or tags."
            if token.prefix is None
            else ""
        )
        raise fail(
            token.key_position,
            f"unknown attribute {_quote(token.text)}; attributes are "
            + ", ".join(sorted(STRING_ATTRIBUTES | NUMERIC_ATTRIBUTES))
            + hint,
        )
    return entity, attribute


def _allowed_ops(entity: Entity, key: str) -> frozenset[str]:
    if entity == "metric":
        return _NUMERIC_OPS | _NULL_OPS
    if entity in ("param", "tag"):
        return _STRING_OPS | _NULL_OPS
    ops = _NUMERIC_OPS if key in NUMERIC_ATTRIBUTES else _STRING_OPS
    return ops | _NULL_OPS if key in NULLABLE_ATTRIBUTES else ops


def _wants_number(entity: Entity, key: str) -> bool:
    return entity == "metric" or (entity == "attribute" and key in NUMERIC_ATTRIBUTES)


def _op_order(ops: frozenset[str]) -> str:
    return " ".join(op for op in _OP_BY_TEXT if op in ops) + "".join(
        f" {op}" for op in ("NOT IN", "IS NULL", "IS NOT NULL") if op in ops
    )


def _entity_label(entity: Entity, key: str) -> str:
    if entity == "attribute":
        kind = "numeric" if key in NUMERIC_ATTRIBUTES else "string"
        return f"the {kind} attribute {key}"
    return {"metric": "metrics", "param": "params", "tag": "tags"}[entity]


# -- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, fail: _Fail) -> None:
        self.fail = fail
        self.tokens = _Lexer(text, fail).tokens()
        self.index = 0
        self.comparisons = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
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
            raise self.fail(
                token.position,
                f"expected AND, OR or the end of the filter, found {token.describe()}",
            )
        return expr

    def or_expr(self, depth: int) -> Expr:
        items = [self.and_expr(depth, after=None)]
        while self.is_keyword("OR"):
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
        entity, key = _resolve(ident, self.fail)
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise self.fail(ident.position, f"too many comparisons (at most {MAX_COMPARISONS})")
        op_token = self.peek()
        op = self.operator(ident)
        allowed = _allowed_ops(entity, key)
        if op not in allowed:
            raise self.fail(
                op_token.position,
                f"{_entity_label(entity, key)} cannot be compared with {op}; "
                f"use {_op_order(allowed)}",
            )
        value = self.value(entity, key, op, op_token)
        return Comparison(entity, key, op, value, ident.position)

    def operator(self, ident: _Token) -> Comparator:
        token = self.advance()
        if token.kind == "op":
            if token.text == "==":
                raise self.fail(token.position, "use '=' instead of '=='")
            if token.text == "<>":
                raise self.fail(token.position, "use '!=' instead of '<>'")
            return _OP_BY_TEXT[token.text]
        if token.kind == "keyword":
            if token.text in ("LIKE", "ILIKE", "IN"):
                return _OP_BY_TEXT[token.text]
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
        raise self.fail(
            token.position,
            f"expected a comparison operator (= != < <= > >= LIKE ILIKE IN NOT IN IS NULL "
            f"IS NOT NULL) after {shown}, found {token.describe()}",
        )

    def value(
        self, entity: Entity, key: str, op: Comparator, op_token: _Token
    ) -> float | str | tuple[str, ...] | None:
        if op in _NULL_OPS:
            return None
        if op in ("IN", "NOT IN"):
            return self.in_list(op)
        token = self.advance()
        if token.kind == "end":
            raise self.fail(token.position, f"expected a value after '{op_token.text}'")
        if _wants_number(entity, key):
            if token.kind != "number":
                raise self.fail(
                    token.position,
                    f"expected a number after '{op_token.text}' ({_entity_label(entity, key)} "
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


def parse_filter(text: str | None) -> Expr | None:
    """The AST of a filter string, or None when it is empty or only whitespace.

    Raises :class:`FilterSyntaxError` (a 400) when it is malformed.
    """
    if text is None or not text.strip():
        return None
    return _Parser(text, _Fail(text)).parse()


def parse_order_by(items: Sequence[str]) -> list[OrderKey]:
    """The sort keys of ``order_by`` items such as ``metrics.acc DESC`` or ``name``.

    An empty list gives an empty list: :data:`DEFAULT_ORDER` is applied by the query builder.
    Raises :class:`OrderBySyntaxError` (a 400) naming the bad item.
    """
    keys: list[OrderKey] = []
    for index, item in enumerate(items):
        fail = _Fail(item, index)
        tokens = _Lexer(item, fail).tokens()
        first = tokens[0]
        if first.kind != "ident":
            raise fail(
                first.position,
                "expected a column such as metrics.<key>, params.<key>, tags.<key> or "
                f"start_time, found {first.describe()}",
            )
        entity, key = _resolve(first, fail)
        ascending = True
        rest = tokens[1:]
        direction = rest[0]
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
