"""What each search accepts: its entities, attributes and operators (:class:`Grammar`), and
how an identifier of a filter or ``order_by`` item resolves against them.

:data:`RUNS` is the runs' grammar; MLflow's experiment and logged-model searches define
theirs in ``mlflow_api/translate.py``.  The lexer (:mod:`.lexer`) and the parser
(:mod:`.filter`) are the same for all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from jupyterlab_mlplatform.tracking.search.lexer import Fail, Token, quote

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
    "parameter": "param",
    "tags": "tag",
    "tag": "tag",
    "attributes": "attribute",
    "attribute": "attribute",
    "attr": "attribute",
    "run": "attribute",
}

_NUMERIC_OPS: Final[frozenset[str]] = frozenset({"=", "!=", "<", "<=", ">", ">="})
_STRING_OPS: Final[frozenset[str]] = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})
NULL_OPS: Final[frozenset[str]] = frozenset({"IS NULL", "IS NOT NULL"})
OP_BY_TEXT: Final[dict[str, Comparator]] = {
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
ENTITY_NAMES: Final[dict[Entity, str]] = {
    "metric": "metrics.<key>",
    "param": "params.<key>",
    "tag": "tags.<key>",
    "attribute": "attributes.<name>",
}
_ALL_ENTITIES: Final[frozenset[Entity]] = frozenset(ENTITY_NAMES)


@dataclass(frozen=True)
class Grammar:
    """What one kind of search accepts; the lexer and the parser are the same for all."""

    attributes: Mapping[str, str]
    """Each accepted attribute name (lower case, aliases included) and the canonical name."""
    numeric: frozenset[str]
    """The canonical attributes compared with numbers (the others compare with strings)."""
    nullable: frozenset[str] = frozenset()
    """The canonical attributes that take ``IS NULL`` and ``IS NOT NULL``."""
    entities: frozenset[Entity] = _ALL_ENTITIES
    """The entities a filter may name (``metric``, ``param``, ``tag``, ``attribute``)."""
    boolean_or: bool = True
    """Whether ``OR`` and parentheses are allowed (else comparisons joined by ``AND``)."""
    null_tests: bool = True
    """Whether metrics, params and tags take ``IS NULL`` and ``IS NOT NULL``."""
    names: tuple[str, ...] = field(init=False)
    """The canonical attribute names, sorted (for messages)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(sorted(set(self.attributes.values()))))


RUNS: Final = Grammar(
    ATTRIBUTE_ALIASES, NUMERIC_ATTRIBUTES, NULLABLE_ATTRIBUTES, _ALL_ENTITIES, True, True
)
"""The runs' grammar: every entity, ``OR``, parentheses and ``IS [NOT] NULL``."""


# -- identifiers and operators ------------------------------------------------------------


def join_words(items: Sequence[str], word: str) -> str:
    """``a, b or c``."""
    return f"{', '.join(items[:-1])} {word} {items[-1]}" if len(items) > 1 else items[0]


def _entity_list(grammar: Grammar) -> str:
    return join_words([ENTITY_NAMES[e] for e in ENTITY_NAMES if e in grammar.entities], "or")


def resolve(token: Token, fail: Fail, grammar: Grammar) -> tuple[Entity, str]:
    """The entity and key an identifier token names (attributes made canonical)."""
    if token.prefix is None:
        entity: Entity = "attribute"
    else:
        found = _ENTITY_PREFIXES.get(token.prefix.lower())
        if found is None or found not in grammar.entities:
            what = "unknown entity" if found is None else "this search has no entity"
            raise fail(
                token.prefix_position,
                f"{what} {quote(token.prefix)}: use {_entity_list(grammar)}",
            )
        entity = found
    if entity != "attribute":
        return entity, token.text
    attribute = grammar.attributes.get(token.text.lower())
    if attribute is None:
        hint = ""
        kinds = [e for e in ENTITY_NAMES if e != "attribute" and e in grammar.entities]
        if token.prefix is None and kinds:
            prefixes = [ENTITY_NAMES[e].removesuffix("<key>") for e in kinds]
            hint = f"; prefix {join_words(kinds, 'and')} keys with {join_words(prefixes, 'or')}"
        raise fail(
            token.key_position,
            f"unknown attribute {quote(token.text)}; attributes are "
            + ", ".join(grammar.names)
            + hint,
        )
    return entity, attribute


def allowed_ops(entity: Entity, key: str, grammar: Grammar) -> frozenset[str]:
    if entity == "metric":
        return _NUMERIC_OPS | NULL_OPS if grammar.null_tests else _NUMERIC_OPS
    if entity in ("param", "tag"):
        return _STRING_OPS | NULL_OPS if grammar.null_tests else _STRING_OPS
    ops = _NUMERIC_OPS if key in grammar.numeric else _STRING_OPS
    return ops | NULL_OPS if key in grammar.nullable else ops


def wants_number(entity: Entity, key: str, grammar: Grammar) -> bool:
    return entity == "metric" or (entity == "attribute" and key in grammar.numeric)


def op_order(ops: frozenset[str]) -> str:
    return " ".join(op for op in OP_BY_TEXT if op in ops) + "".join(
        f" {op}" for op in ("NOT IN", "IS NULL", "IS NOT NULL") if op in ops
    )


def entity_label(entity: Entity, key: str, grammar: Grammar) -> str:
    if entity == "attribute":
        kind = "numeric" if key in grammar.numeric else "string"
        return f"the {kind} attribute {key}"
    return {"metric": "metrics", "param": "params", "tag": "tags"}[entity]
