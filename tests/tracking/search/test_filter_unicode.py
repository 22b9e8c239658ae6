"""Every Unicode character in filter expressions: a number is written in ASCII digits, and
any other character is either part of a key or string or a syntax error with its position,
never another exception (the one grammar, as runs and MLflow's experiments use it)."""

from __future__ import annotations

import sys

import pytest

from jupyterlab_mlplatform.errors import InvalidArgument
from jupyterlab_mlplatform.mlflow_api import run_search, translate
from jupyterlab_mlplatform.tracking.search import parse_filter, parse_order_by

NUMERIC_CHARACTERS = [
    chr(c) for c in range(128, sys.maxunicode + 1) if chr(c).isnumeric() or chr(c).isdigit()
]
"""Every non-ASCII digit or number character (Arabic-Indic, fullwidth, superscripts,
fractions, Roman numerals...): about 1,900."""
SAMPLED_CHARACTERS = [chr(c) for c in range(128, sys.maxunicode + 1, 397)]
"""A spread of everything else (letters, marks, spaces, surrogates, private use...)."""


def _ours(text: str) -> None:
    parse_filter(text)


def _experiments(text: str) -> None:
    parse_filter(text, translate.EXPERIMENT_FILTER)


def _mlflow_runs(text: str) -> None:
    run_search.run_query(text, [])


def test_non_ascii_digits_are_never_numbers() -> None:
    assert len(NUMERIC_CHARACTERS) > 1500
    for c in NUMERIC_CHARACTERS:
        for text, position in (
            (f"metrics.x > {c}", 12),
            (f"attributes.start_time <= {c}{c}", 25),
            (f"metrics.x = 1{c}", 12),
        ):
            with pytest.raises(InvalidArgument) as caught:
                _ours(text)
            assert caught.value.details is not None, text
            assert caught.value.details["position"] == position, (text, caught.value.message)
        for text, position in ((f"creation_time > {c}", 16), (f"creation_time = 1{c}", 16)):
            with pytest.raises(InvalidArgument) as caught:
                _experiments(text)
            assert f"position {position}:" in caught.value.message, (text, caught.value.message)


@pytest.mark.parametrize("parse", [_ours, _experiments, _mlflow_runs])
def test_any_character_anywhere_is_parsed_or_a_syntax_error(parse: object) -> None:
    assert callable(parse)
    for c in NUMERIC_CHARACTERS[::7] + SAMPLED_CHARACTERS:
        for text in (
            f"tags.t = 'a' and {c}",
            f"tags.{c} = 'a'",
            f"tags.t = '{c}'",
            f"tags.t {c} 'a'",
            f"name = 1{c}",
            f"`{c}` = 'x'",
        ):
            try:
                parse(text)
            except InvalidArgument as e:
                assert "position" in e.message, (text, e.message)


def test_order_by_with_any_character() -> None:
    for c in NUMERIC_CHARACTERS[::7] + SAMPLED_CHARACTERS:
        for item in (f"metrics.{c}", f"{c} DESC", f"params.p {c}"):
            try:
                parse_order_by([item])
            except InvalidArgument as e:
                assert "position" in e.message, (item, e.message)
