"""The Python back end of the one search grammar (MLflow's experiment and logged-model
searches), the grammars those searches allow, and where the two old parsers disagreed:
each difference below is settled by the stricter, documented rule (the runs' grammar)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from jupyterlab_mlplatform.errors import FilterSyntaxError, InvalidArgument
from jupyterlab_mlplatform.mlflow_api import translate
from jupyterlab_mlplatform.tracking.search import (
    Grammar,
    OrderKey,
    fingerprint,
    page,
    parse_filter,
    parse_order_by,
)
from jupyterlab_mlplatform.tracking.search.evaluator import Record, matches, search
from tests.tracking.search import test_search_sql as sql_data

MODEL = Record(
    attributes={
        "name": "clf",
        "status": "LOGGED_MODEL_READY",
        "source_run_id": None,
        "creation_timestamp": 1000,
    },
    tags={"team": "vision", "it's": "quoted", "path": "a\\b", "rate": "50%"},
    params={"lr": "0.1"},
    metrics={"acc": [0.5, 0.9], "loss": [math.nan]},
)


def _holds(text: str, grammar: Grammar = translate.LOGGED_MODEL_FILTER) -> bool:
    return matches(parse_filter(text, grammar), MODEL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("name = 'clf'", True),
        ("attributes.name != 'clf'", False),
        ("name LIKE 'c%'", True),
        ("name LIKE 'C%'", False),
        ("name ILIKE 'C_F'", True),
        ("name IN ('a', 'clf')", True),
        ("name NOT IN ('a', 'clf')", False),
        ("creation_timestamp >= 1000 AND creation_time < 1001", True),
        ("creation_timestamp > 1000", False),
        ("tags.team = 'vision' and params.lr = '0.1'", True),
        ("tags.`it's` = 'quoted'", True),
        ("tags.\"it's\" = 'quoted'", True),
        # As in MLflow's SQL: no tag, no match, whatever the operator
        ("tags.missing != 'x'", False),
        ("tags.missing = 'x'", False),
        ("tags.missing NOT IN ('x')", False),
        ("source_run_id = 'r'", False),
        ("status = 'LOGGED_MODEL_READY'", True),
        ("name = 'it''s'", False),
        # A metric condition holds if one of its values does
        ("metrics.acc > 0.8", True),
        ("metrics.acc < 0.1", False),
        ("metrics.acc = 0.5 AND metrics.acc = 0.9", True),
        ("metrics.other > 0", False),
        ("metric.acc >= 0.9", True),
    ],
)
def test_model_filters(text: str, expected: bool) -> None:
    assert _holds(text) is expected


def test_or_and_null_tests_where_the_grammar_allows_them() -> None:
    # The evaluator has the SQL back end's whole grammar; the MLflow searches do not allow
    # OR, parentheses or IS NULL, but the runs' grammar does
    runs_like = Grammar(
        translate.LOGGED_MODEL_ATTRIBUTES,
        translate.LOGGED_MODEL_NUMERIC,
        nullable=frozenset({"source_run_id"}),
    )
    for text, expected in [
        ("name = 'x' OR tags.team = 'vision'", True),
        ("(name = 'x' OR name = 'y') AND tags.team = 'vision'", False),
        ("source_run_id IS NULL", True),
        ("source_run_id IS NOT NULL", False),
        ("tags.missing IS NULL AND tags.team IS NOT NULL", True),
        ("metrics.other IS NULL AND metrics.acc IS NOT NULL", True),
    ]:
        assert _holds(text, runs_like) is expected, text
        with pytest.raises(FilterSyntaxError):
            _holds(text)


@pytest.mark.parametrize(
    "text",
    [
        "name =",
        "name = 'a' OR name = 'b'",
        "colour = 'red'",
        "creation_timestamp = 'yesterday'",
        "name > 'a'",
        "name LIKE 5",
        "name IN 'a'",
        "name = 'unterminated",
        "stuff.name = 'a'",
        "name = 'a' extra",
        "metrics.acc > 'high'",
        "tags.team IS NULL",
        "(name = 'clf')",
    ],
)
def test_bad_model_filters_are_filter_syntax_errors(text: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        _holds(text)
    assert info.value.details["field"] == "filter"
    assert f"position {info.value.position}:" in info.value.message


def test_operators_offered_are_the_search_s() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter("name 'x'", translate.EXPERIMENT_FILTER)
    assert "LIKE ILIKE IN NOT IN) after 'name'" in info.value.reason
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter("name 'x'")
    assert "NOT IN IS NULL IS NOT NULL) after 'name'" in info.value.reason


def test_experiments_have_no_metrics() -> None:
    with pytest.raises(FilterSyntaxError, match="this search has no entity 'metrics'"):
        parse_filter("metrics.acc > 0.5", translate.EXPERIMENT_FILTER)
    with pytest.raises(FilterSyntaxError, match="unknown attribute 'acc'; attributes are "):
        parse_filter("acc > 0.5", translate.EXPERIMENT_FILTER)


# -- where the two parsers disagreed: the stricter documented rule --------------------------


@pytest.mark.parametrize(("text", "fix"), [("name == 'clf'", "'='"), ("name <> 'x'", "'!='")])
def test_equals_equals_and_angle_brackets_are_errors(text: str, fix: str) -> None:
    """The experiment/model parser took ``==`` and ``<>``, undocumented; the runs' grammar
    documents ``=`` and ``!=`` only, and says which to use."""
    with pytest.raises(FilterSyntaxError, match=f"use {fix} instead"):
        _holds(text)


def test_backslash_escapes_in_strings() -> None:
    """The experiment/model parser knew only doubled quotes: ``'it\\'s'`` was an error and
    ``'a\\\\b'`` meant two backslashes.  Now as documented for runs: ``\\'`` is a quote and
    ``\\\\`` one backslash."""
    assert _holds("tags.`it's` = 'quoted' AND tags.path = 'a\\\\b'")
    assert _holds("tags.`it\\'s` = 'x'") is False  # a backtick name has no escapes
    assert _holds("tags.\"it's\" = 'quot\\ed'") is False


def test_like_escapes_wildcards() -> None:
    """The Python ``LIKE`` had no escape: ``'50\\%'`` matched ``50\\`` + anything.  Now a
    backslash makes ``%`` and ``_`` literal, as in the SQL back end (PostgreSQL's rule)."""
    assert _holds("tags.rate LIKE '50\\%'")
    assert not _holds("tags.rate LIKE '5\\%'")
    assert _holds("tags.rate LIKE '5_\\%'")
    assert not _holds("tags.team LIKE 'vision\\_'")


def test_nan_metrics_match_no_comparison() -> None:
    """The Python evaluator let a NaN value satisfy ``!=``; the SQL back end documents that
    metric tests never match NaN."""
    assert not _holds("metrics.loss != 1")
    assert not _holds("metrics.loss = 0")


def test_type_errors_point_at_the_value() -> None:
    """The experiment/model parser put a type error at the operator, without ``details``;
    now at the value, with ``details`` as for runs."""
    with pytest.raises(FilterSyntaxError) as info:
        _holds("creation_timestamp = 'yesterday'")
    assert info.value.details == {
        "field": "filter",
        "position": 21,
        "reason": info.value.reason,
    }


def test_metric_values_are_any_finite_number() -> None:
    """The experiment/model parser held every number to a 64-bit integer's range, metric
    values too; the runs' grammar does so for the integer attributes (times) only, and
    metrics take any finite number.  One rule for a metric in every search: the runs'."""
    assert not _holds("metrics.acc > 1e20")
    with pytest.raises(FilterSyntaxError, match="number out of range for creation_timestamp"):
        _holds("creation_timestamp > 1e20")
    with pytest.raises(FilterSyntaxError, match="number out of range"):
        _holds("metrics.acc > 1e999")


def test_order_by_uses_the_same_lexer() -> None:
    """``order_by`` was split on spaces with backticks stripped; now it is the runs' order
    grammar, restricted to what each search sorts by."""
    grammar = translate.EXPERIMENT_ORDER
    assert parse_order_by(["`name` DESC", "attributes.creation_time"], grammar) == [
        OrderKey("attribute", "name", ascending=False),
        OrderKey("attribute", "creation_time", ascending=True),
    ]
    with pytest.raises(InvalidArgument, match="this search has no entity 'tags'"):
        parse_order_by(["tags.x"], grammar)
    columns = parse_order_by(["metrics.acc", "name"], translate.LOGGED_MODEL_ORDER, False)
    assert columns == [OrderKey("metric", "acc"), OrderKey("attribute", "name")]
    with pytest.raises(InvalidArgument, match="unexpected 'DESC' after the column"):
        parse_order_by(["name DESC"], translate.LOGGED_MODEL_ORDER, directions=False)


# -- sorting and pages -----------------------------------------------------------------------


def test_search_sorts_missing_values_last_and_pages() -> None:
    items = [("a", 3), ("b", None), ("c", 1), ("d", 2)]
    query = fingerprint("test", "sorted")

    def record(item: tuple[str, int | None]) -> Record:
        return Record({"name": item[0], "n": item[1]}, {}, {})

    order = [OrderKey("attribute", "n", ascending=False)]
    shown, token = search(items, record, None, order, None, 3, query)
    assert [name for name, _ in shown] == ["a", "d", "c"] and token is not None
    shown, token = search(items, record, None, order, token, 3, query)
    assert [name for name, _ in shown] == ["b"] and token is None
    expression = parse_filter("n >= 2", Grammar({"n": "n"}, frozenset({"n"})))
    shown, _ = search(items, record, expression, order, None, 3, query)
    assert [name for name, _ in shown] == ["a", "d"]


def test_pages_are_bound_to_their_query() -> None:
    items = list(range(5))
    query = fingerprint("experiments", "name = 'a'")
    first, token = page(items, None, 2, query)
    assert token is not None
    second, token2 = page(items, token, 2, query)
    third, token3 = page(items, token2, 2, query)
    assert (first, second, third, token3) == ([0, 1], [2, 3], [4], None)
    with pytest.raises(InvalidArgument, match="Invalid page_token: it belongs to a search"):
        page(items, token, 2, fingerprint("experiments", "name = 'b'"))
    for bad in ("garbage", "eyJvZmZzZXQiOiAtMX0=", "W10=", "eyJvZmZzZXQiOjF9"):
        with pytest.raises(InvalidArgument, match="Invalid page_token"):
            page(items, bad, 2, query)


# -- the two back ends agree -----------------------------------------------------------------


def _run_record(run: tuple[Any, ...]) -> Record:
    run_id, eid, name, status, start, end, user, stage, notebook = run
    return Record(
        attributes={
            "run_id": run_id,
            "experiment_id": str(eid),
            "run_name": name,
            "status": status,
            "start_time": start,
            "end_time": end,
            "duration": None if end is None else end - start,
            "user": user,
            "lifecycle_stage": stage,
            "artifact_uri": f"file:///tmp/{eid}/{run_id}",
            "source_notebook": notebook,
        },
        tags={key: values[run_id] for key, values in sql_data.TAGS.items() if run_id in values},
        params={key: values[run_id] for key, values in sql_data.PARAMS.items() if run_id in values},
        metrics={
            key: [values[run_id]] for key, values in sql_data.METRICS.items() if run_id in values
        },
    )


@pytest.mark.parametrize(("filter_string", "expected"), sql_data.FILTERS)
def test_the_python_back_end_finds_what_the_sql_one_finds(
    filter_string: str, expected: list[str]
) -> None:
    """Every filter of the SQL back end's table (tests/tracking/search/test_search_sql.py,
    checked there on SQLite and PostgreSQL), on the same runs, in Python."""
    active = [run for run in sql_data.RUNS if run[1] in (1, 2) and run[7] == "active"]
    order = [OrderKey("attribute", "start_time", ascending=False)]
    query = fingerprint("agreement")
    found, _ = search(active, _run_record, parse_filter(filter_string), order, None, 100, query)
    assert [run[0] for run in found] == expected
