"""The lexer of search filters and ``order_by`` items, shared by every search.

Tokens: identifiers (``entity.key``, a bare name, `backticks` or ``entity."double quotes"``),
keywords, quoted strings, ASCII numbers, operators and ``( ) ,``.  See
:mod:`.filter` for the grammar and the escapes.  Every error is made by a :class:`Fail`,
which knows which input it reads (the filter, or one ``order_by`` item) and so which
:class:`~jupyterlab_mlplatform.errors.SearchSyntaxError` to raise.

:func:`like_parts` reads ``LIKE`` patterns the one way both back ends (SQL and Python) use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from jupyterlab_mlplatform.errors import (
    FilterSyntaxError,
    OrderBySyntaxError,
    SearchSyntaxError,
    printable,
)

__all__ = ["KEYWORDS", "Fail", "Lexer", "Token", "TokenKind", "like_parts", "quote"]

KEYWORDS: Final = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"})

_QUOTE_MAX: Final = 30


def quote(text: str) -> str:
    """A short, quoted rendering of a piece of user input for an error message."""
    text = printable(text)
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 3] + "..."
    return f"'{text}'"


# -- tokens --------------------------------------------------------------------------------

TokenKind: TypeAlias = Literal["ident", "string", "number", "op", "keyword", "(", ")", ",", "end"]
_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
"""Numbers are written with ASCII digits only: ``\\d`` alone would take any Unicode digit,
which ``float`` reads (Arabic-Indic twelve) or not (superscript two)."""
_OPERATORS: Final = ("!=", "<=", ">=", "==", "<>", "=", "<", ">")
_KEY_PUNCTUATION: Final = "_.-/:"


@dataclass(frozen=True)
class Token:
    kind: TokenKind
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
            return f"the number {quote(self.text)}"
        if self.kind == "ident":
            shown = self.text if self.prefix is None else f"{self.prefix}.{self.text}"
            return quote(shown)
        return quote(self.text)


class Lexer:
    def __init__(self, text: str, fail: Fail) -> None:
        self.text = text
        self.fail = fail
        self.pos = 0

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                out.append(Token("end", "", len(text)))
                return out
            out.append(self._token())

    def _token(self) -> Token:
        text, start = self.text, self.pos
        ch = text[start]
        if ch in "(),":
            self.pos += 1
            kind: TokenKind = "(" if ch == "(" else ")" if ch == ")" else ","
            return Token(kind, ch, start)
        for op in _OPERATORS:
            if text.startswith(op, start):
                self.pos += len(op)
                return Token("op", op, start)
        if ch in "'\"":
            return Token("string", self._string(), start)
        if _NUMBER_RE.match(text, start):
            return self._number()
        if ch.isalpha() or ch in "_`":
            return self._identifier()
        if ch == "!":
            raise self.fail(start, "'!' must be followed by '=' (the operator is '!=')")
        raise self.fail(start, f"unexpected character {quote(ch)}")

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

    def _number(self) -> Token:
        text, start = self.text, self.pos
        match = _NUMBER_RE.match(text, start)
        assert match is not None  # the caller checked
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "._"):
            raise self.fail(start, "invalid number")
        self.pos = end
        return Token("number", match.group(), start)

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

    def _identifier(self) -> Token:
        text, start = self.text, self.pos
        quoted = text[start] == "`"
        word = self._backticks() if quoted else self._word()
        if self.pos < len(text) and text[self.pos] == ".":
            self.pos += 1
            return self._key(prefix=word, prefix_position=start)
        if not quoted and word.upper() in KEYWORDS:
            return Token("keyword", word.upper(), start)
        if quoted and not word:
            raise self.fail(start, "empty `quoted` name")
        return Token("ident", word, start, key_position=start, quoted=quoted)

    def _key(self, prefix: str, prefix_position: int) -> Token:
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
                raise self.fail(start, f"expected a key after {quote(prefix + '.')}")
        if not key:
            raise self.fail(start, "empty key")
        return Token(
            "ident",
            key,
            prefix_position,
            prefix=prefix,
            prefix_position=prefix_position,
            key_position=start,
            quoted=quoted,
        )


class Fail:
    """Makes the error for one input string (the filter or one order_by item)."""

    def __init__(self, text: str, index: int | None = None) -> None:
        self.text = text
        self.index = index

    def __call__(self, position: int, reason: str) -> SearchSyntaxError:
        if self.index is None:
            return FilterSyntaxError(self.text, position, reason)
        return OrderBySyntaxError(self.text, position, reason, self.index)


def like_parts(pattern: str) -> list[tuple[bool, str]]:
    """A ``LIKE`` pattern as (is_wildcard, character) pairs, PostgreSQL's rules.

    ``%`` and ``_`` are wildcards; a backslash makes the next character literal; a trailing
    lone backslash is a literal backslash (PostgreSQL would reject it).
    """
    parts: list[tuple[bool, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            parts.append((False, pattern[i + 1]))
            i += 2
            continue
        parts.append((ch in "%_", ch))
        i += 1
    return parts
