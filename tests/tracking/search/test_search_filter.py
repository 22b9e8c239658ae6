"""The run-search filter and order_by parser (no database)."""

from __future__ import annotations

import pytest

from jupyterlab_mlplatform.errors import InvalidArgument
from jupyterlab_mlplatform.tracking.search import (
    DEFAULT_ORDER,
    MAX_COMPARISONS,
    MAX_DEPTH,
    And,
    Comparison,
    Expr,
    FilterSyntaxError,
    Or,
    OrderBySyntaxError,
    OrderKey,
    SearchSyntaxError,
    parse_filter,
    parse_order_by,
)


def metric(key: str, op: str, value: float | None, position: int = 0) -> Comparison:
    return Comparison("metric", key, op, value, position)  # type: ignore[arg-type]


def param(key: str, op: str, value: str | tuple[str, ...] | None, position: int = 0) -> Comparison:
    return Comparison("param", key, op, value, position)  # type: ignore[arg-type]


def tag(key: str, op: str, value: str | tuple[str, ...] | None, position: int = 0) -> Comparison:
    return Comparison("tag", key, op, value, position)  # type: ignore[arg-type]


def attr(
    key: str, op: str, value: float | str | tuple[str, ...] | None, position: int = 0
) -> Comparison:
    return Comparison("attribute", key, op, value, position)  # type: ignore[arg-type]


def without_positions(expr: Expr) -> Expr:
    """The same tree with every position 0, to compare structure only."""
    if isinstance(expr, Comparison):
        return Comparison(expr.entity, expr.key, expr.op, expr.value, 0)
    items = tuple(without_positions(item) for item in expr.items)
    return And(items) if isinstance(expr, And) else Or(items)


def parse(text: str) -> Expr:
    expr = parse_filter(text)
    assert expr is not None
    return without_positions(expr)


# -- valid filters -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_filter_is_no_filter(text: str | None) -> None:
    assert parse_filter(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc > 0.5", metric("acc", ">", 0.5)),
        ("metrics.acc>0.5", metric("acc", ">", 0.5)),
        ("metrics.acc >= 1", metric("acc", ">=", 1.0)),
        ("metrics.acc < -1", metric("acc", "<", -1.0)),
        ("metrics.acc<=-1.5e-3", metric("acc", "<=", -0.0015)),
        ("metrics.acc = .5", metric("acc", "=", 0.5)),
        ("metrics.acc != +3", metric("acc", "!=", 3.0)),
        ("metrics.acc = 2E3", metric("acc", "=", 2000.0)),
        ("metrics.acc = 10.", metric("acc", "=", 10.0)),
        ("metrics.acc IS NULL", metric("acc", "IS NULL", None)),
        ("metrics.acc is not null", metric("acc", "IS NOT NULL", None)),
        ("metric.acc > 0", metric("acc", ">", 0.0)),
        ("metrics.train.loss < 1", metric("train.loss", "<", 1.0)),
        ("metrics.val/loss < 1", metric("val/loss", "<", 1.0)),
        ("metrics.val-loss:v2 < 1", metric("val-loss:v2", "<", 1.0)),
        ("metrics.`my key.v2` > 1", metric("my key.v2", ">", 1.0)),
        ('metrics."my key" > 1', metric("my key", ">", 1.0)),
        ("`metrics`.acc > 1", metric("acc", ">", 1.0)),
        ("METRICS.acc > 1", metric("acc", ">", 1.0)),
        ("params.lr = '0.01'", param("lr", "=", "0.01")),
        ('params.lr = "0.01"', param("lr", "=", "0.01")),
        ("param.lr != '0.01'", param("lr", "!=", "0.01")),
        ("params.model LIKE 'res%'", param("model", "LIKE", "res%")),
        ("params.model like 'res%'", param("model", "LIKE", "res%")),
        ("params.model ILIKE '%Net_'", param("model", "ILIKE", "%Net_")),
        ("params.lr IN ('0.1')", param("lr", "IN", ("0.1",))),
        ("params.lr IN ('0.1', \"0.2\",'0.3')", param("lr", "IN", ("0.1", "0.2", "0.3"))),
        ("params.lr not in ('0.1')", param("lr", "NOT IN", ("0.1",))),
        ("params.lr IS NULL", param("lr", "IS NULL", None)),
        ("params.`batch size` = '32'", param("batch size", "=", "32")),
        ("params.\"batch size\" = '32'", param("batch size", "=", "32")),
        ("tags.team = 'vision'", tag("team", "=", "vision")),
        ("tag.mlflow.note.content = 'x'", tag("mlflow.note.content", "=", "x")),
        ("tags.note = 'it''s'", tag("note", "=", "it's")),
        ("tags.note = 'it\\'s'", tag("note", "=", "it's")),
        ('tags.note = "say ""hi"""', tag("note", "=", 'say "hi"')),
        ("tags.note = 'a\\\\b'", tag("note", "=", "a\\b")),
        ("tags.note = '50\\%'", tag("note", "=", "50\\%")),
        ("tags.note = ''", tag("note", "=", "")),
        ("tags.note = 'AND OR ( ) 1'", tag("note", "=", "AND OR ( ) 1")),
        ("attributes.status = 'FINISHED'", attr("status", "=", "FINISHED")),
        ("attribute.status != 'FAILED'", attr("status", "!=", "FAILED")),
        ("attr.run_id IN ('a', 'b')", attr("run_id", "IN", ("a", "b"))),
        ("run.status NOT IN ('KILLED')", attr("status", "NOT IN", ("KILLED",))),
        ("status = 'FINISHED'", attr("status", "=", "FINISHED")),
        ("attributes.name LIKE 'x%'", attr("run_name", "LIKE", "x%")),
        ("run_name ILIKE 'x%'", attr("run_name", "ILIKE", "x%")),
        ("`Run name` = 'x'", attr("run_name", "=", "x")),
        ("attributes.user_id = 'alice'", attr("user", "=", "alice")),
        ("user = 'alice'", attr("user", "=", "alice")),
        ("user IS NULL", attr("user", "IS NULL", None)),
        ("attributes.source_notebook IS NOT NULL", attr("source_notebook", "IS NOT NULL", None)),
        ("attributes.artifact_uri LIKE 'file:%'", attr("artifact_uri", "LIKE", "file:%")),
        ("attributes.lifecycle_stage = 'active'", attr("lifecycle_stage", "=", "active")),
        ("attributes.experiment_id = '3'", attr("experiment_id", "=", "3")),
        ("attributes.start_time > 1700000000000", attr("start_time", ">", 1.7e12)),
        ("attributes.created > 5", attr("start_time", ">", 5.0)),
        ("attributes.end_time IS NULL", attr("end_time", "IS NULL", None)),
        ("attributes.end_time <= 5", attr("end_time", "<=", 5.0)),
        ("attributes.duration > 60000", attr("duration", ">", 60000.0)),
        ("duration IS NOT NULL", attr("duration", "IS NOT NULL", None)),
        ("Attributes.Start_Time > 5", attr("start_time", ">", 5.0)),
        ("((metrics.acc > 1))", metric("acc", ">", 1.0)),
    ],
)
def test_single_comparisons(text: str, expected: Comparison) -> None:
    assert parse(text) == expected


def test_positions_point_at_each_identifier() -> None:
    text = "metrics.a > 1 AND (params.b = 'x' OR  tags.c IS NULL)"
    expr = parse_filter(text)
    assert expr == And(
        (
            metric("a", ">", 1.0, 0),
            Or((param("b", "=", "x", 19), tag("c", "IS NULL", None, 38))),
        )
    )


A = metric("a", ">", 1.0)
B = metric("b", ">", 2.0)
C = metric("c", ">", 3.0)
D = metric("d", ">", 4.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.a > 1 AND metrics.b > 2", And((A, B))),
        ("metrics.a > 1 OR metrics.b > 2", Or((A, B))),
        ("metrics.a > 1 and metrics.b > 2 And metrics.c > 3", And((A, B, C))),
        # AND binds tighter than OR, on either side.
        ("metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3", Or((A, And((B, C))))),
        ("metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3", Or((And((A, B)), C))),
        (
            "metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3 AND metrics.d > 4",
            Or((And((A, B)), And((C, D)))),
        ),
        # Parentheses override it.
        ("(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3", And((Or((A, B)), C))),
        ("metrics.a > 1 AND (metrics.b > 2 OR metrics.c > 3)", And((A, Or((B, C))))),
        (
            "(metrics.a > 1 OR metrics.b > 2) AND (metrics.c > 3 OR metrics.d > 4)",
            And((Or((A, B)), Or((C, D)))),
        ),
        # Nested groups of the same kind are flattened.
        ("metrics.a > 1 AND (metrics.b > 2 AND metrics.c > 3)", And((A, B, C))),
        ("(metrics.a > 1 OR metrics.b > 2) OR metrics.c > 3", Or((A, B, C))),
        ("((metrics.a > 1 OR (metrics.b > 2)))", Or((A, B))),
        ("metrics.a>1 AND(metrics.b>2)OR(metrics.c>3)", Or((And((A, B)), C))),
    ],
)
def test_precedence_and_parentheses(text: str, expected: Expr) -> None:
    assert parse(text) == expected


def test_keywords_inside_strings_and_keys_are_not_keywords() -> None:
    assert parse("params.`AND` = 'OR' AND tags.`IS` IS NULL") == And(
        (param("AND", "=", "OR"), tag("IS", "IS NULL", None))
    )
    assert parse("params.or = 'x'") == param("or", "=", "x")


def test_deep_nesting_up_to_the_limit() -> None:
    depth = MAX_DEPTH
    text = "(" * depth + "metrics.a > 1" + ")" * depth
    assert parse(text) == A


def test_many_comparisons_up_to_the_limit() -> None:
    text = " OR ".join(f"metrics.m{i} > {i}" for i in range(MAX_COMPARISONS))
    expr = parse_filter(text)
    assert isinstance(expr, Or)
    assert len(expr.items) == MAX_COMPARISONS


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        # tokens
        ("metrics.a > 1 ; drop table runs", 14, "unexpected character ';'"),
        ("metrics.a > 1 && metrics.b > 1", 14, "unexpected character '&'"),
        ("metrics.a ! 1", 10, "'!' must be followed by '='"),
        ("params.a = 'abc", 11, "unterminated string"),
        ("params.a = \"abc'", 11, "unterminated string"),
        ("params.a = 'abc\\'", 11, "unterminated string"),
        ("metrics.`abc > 1", 8, "unterminated `quoted` name"),
        ("metrics.`` > 1", 8, "empty key"),
        ('metrics."" > 1', 8, "empty key"),
        ("`` > 1", 0, "empty `quoted` name"),
        ("metrics. > 1", 8, "expected a key after 'metrics.'"),
        ("metrics.", 8, "expected a key after 'metrics.'"),
        ("metrics.a > 1.2.3", 12, "invalid number"),
        ("metrics.a > 1e", 12, "invalid number"),
        ("metrics.a > 12abc", 12, "invalid number"),
        ("metrics.a > 1e999", 12, "number out of range"),
        ("tags.`a``b` IS NOT NULL", 8, "expected a comparison operator"),  # no `` escape
        # identifiers
        ("datasets.name = 'x'", 0, "unknown entity 'datasets'"),
        ("metricz.a > 1", 0, "unknown entity 'metricz'"),
        ("  acc > 1", 2, "unknown attribute 'acc'"),
        ("attributes.foo = 'x'", 11, "unknown attribute 'foo'"),
        ("attributes.`foo` = 'x'", 11, "unknown attribute 'foo'"),
        ("'metrics.a' > 1", 0, "expected a comparison such as metrics.<key> > 0, found a string"),
        ("1 > 0", 0, "found the number '1'"),
        # operators
        ("metrics.a", 9, "expected a comparison operator"),
        ("metrics.a 1", 10, "expected a comparison operator"),
        ("metrics.a == 1", 10, "use '=' instead of '=='"),
        ("metrics.a <> 1", 10, "use '!=' instead of '<>'"),
        ("params.a NOT LIKE 'x'", 13, "expected IN after NOT"),
        ("params.a NOT", 12, "expected IN after NOT"),
        ("params.a IS 'x'", 12, "expected NULL or NOT NULL after IS"),
        ("params.a IS NOT 'x'", 16, "expected NULL after IS NOT"),
        ("metrics.a LIKE '1'", 10, "metrics cannot be compared with LIKE"),
        ("metrics.a IN ('1')", 10, "metrics cannot be compared with IN"),
        ("params.a > '1'", 9, "params cannot be compared with >"),
        ("tags.a <= 'x'", 7, "tags cannot be compared with <="),
        ("attributes.status < 'x'", 18, "the string attribute status cannot be compared with <"),
        ("status IS NULL", 7, "the string attribute status cannot be compared with IS NULL"),
        ("start_time LIKE '1%'", 11, "numeric attribute start_time cannot be compared with LIKE"),
        ("start_time IS NULL", 11, "numeric attribute start_time cannot be compared with IS NULL"),
        # values
        ("metrics.acc > ", 14, "expected a value after '>'"),
        ("metrics.acc >", 13, "expected a value after '>'"),
        ("params.a =", 10, "expected a value after '='"),
        ("metrics.a > '1'", 12, "expected a number after '>'"),
        ("metrics.a > x", 12, "expected a number after '>'"),
        ("attributes.end_time > 'yesterday'", 22, "expected a number after '>'"),
        ("params.lr = 0.01", 12, "expected a string in quotes after '=', found the number"),
        ("params.lr = abc", 12, "expected a string in quotes after '=', found 'abc'"),
        ("params.lr = NULL", 12, "expected a string in quotes after '=', found 'NULL'"),
        ("status = FINISHED", 9, "expected a string in quotes"),
        ("params.a = (", 11, "expected a string in quotes after '=', found '('"),
        # IN lists
        ("params.a IN 'x'", 12, "expected '(' after IN"),
        ("params.a NOT IN 'x'", 16, "expected '(' after NOT IN"),
        ("params.a IN ()", 13, "IN () needs at least one value"),
        ("params.a IN (1, 2)", 13, "expected a string in quotes in the IN list"),
        ("params.a IN ('x',)", 17, "expected a string in quotes in the IN list"),
        ("params.a IN ('x' 'y')", 17, "expected ',' or ')' in the IN list"),
        ("params.a IN ('x'", 16, "expected ',' or ')' in the IN list, found the end"),
        # structure
        ("metrics.a > 1 AND", 17, "expected a comparison after 'AND'"),
        ("metrics.a > 1 OR ", 17, "expected a comparison after 'OR'"),
        ("AND metrics.a > 1", 0, "expected a comparison such as metrics.<key> > 0, found 'AND'"),
        ("metrics.a > 1 AND OR metrics.b > 1", 18, "after 'AND', found 'OR'"),
        ("metrics.a > 1 metrics.b > 2", 14, "expected AND, OR or the end of the filter"),
        ("metrics.a > 1 NOT", 14, "expected AND, OR or the end of the filter, found 'NOT'"),
        ("metrics.a > 1)", 13, "unbalanced ')'"),
        (")", 0, "found ')'"),
        ("(metrics.a > 1", 14, "expected ')' to close the '(' at position 0"),
        ("((metrics.a > 1)", 16, "expected ')' to close the '(' at position 0"),
        ("(metrics.a > 1 metrics.b > 1)", 15, "expected ')' to close the '(' at position 0"),
        ("()", 1, "empty parentheses"),
        ("metrics.a > 1 AND ()", 19, "empty parentheses"),
        ("metrics.a > 1 AND (", 19, "expected a comparison"),
    ],
)
def test_errors_say_where(text: str, position: int, reason: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    error = caught.value
    assert isinstance(error, InvalidArgument)
    assert error.status_code == 400
    assert error.position == position, error.message
    assert reason in error.reason, error.message
    assert error.message.startswith(f"Invalid filter at position {position}: ")
    # The caret is under the reported position.
    _, excerpt, caret = error.message.split("\n")
    assert caret.index("^") - 2 == position
    assert excerpt[2:] == text


def test_error_message_format() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter("metrics.acc > ")
    assert caught.value.message == (
        "Invalid filter at position 14: expected a value after '>'\n"
        "  metrics.acc > \n"
        "                ^"
    )
    assert str(caught.value) == caught.value.message


def test_error_excerpt_is_short() -> None:
    text = "params.a = '" + "x" * 5000 + "' AND params.b = 'y' AND metrics.c ~ 1" + "z" * 5000
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    error = caught.value
    assert error.position == text.index("~")
    assert len(error.message) < 400
    _, excerpt, caret = error.message.split("\n")
    assert excerpt.startswith("  ...") and excerpt.endswith("...")
    assert excerpt[caret.index("^")] == "~"


def test_error_quotes_of_user_input_are_short() -> None:
    name = "x" * 500
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(f"attributes.{name} = 'a'")
    assert name not in caught.value.message
    assert len(caught.value.message) < 500


def test_error_excerpt_replaces_control_characters() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter("metrics.a > 1\nAND\tmetrics.b >")
    error = caught.value
    assert error.position == 29
    _, excerpt, caret = error.message.split("\n")
    assert excerpt == "  metrics.a > 1 AND metrics.b >"
    assert caret.index("^") == 2 + 29


def test_too_deep() -> None:
    depth = MAX_DEPTH + 1
    text = "(" * depth + "metrics.a > 1" + ")" * depth
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    assert caught.value.position == MAX_DEPTH
    assert "too deeply nested" in caught.value.message


def test_too_many_comparisons() -> None:
    parts = [f"metrics.m{i} > 1" for i in range(MAX_COMPARISONS + 1)]
    text = " AND ".join(parts)
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    assert caught.value.position == text.rindex("metrics.")
    assert "too many comparisons" in caught.value.message


def test_error_classes() -> None:
    assert issubclass(FilterSyntaxError, SearchSyntaxError)
    assert issubclass(OrderBySyntaxError, SearchSyntaxError)
    assert issubclass(SearchSyntaxError, InvalidArgument)


# -- order_by ------------------------------------------------------------------------------


def test_order_by() -> None:
    assert parse_order_by(
        [
            "metrics.acc DESC",
            "params.lr",
            "attributes.start_time ASC",
            "name",
            "tags.`a b` desc",
            "metric.`x.y` asc",
            "  end_time   DESC  ",
            "`Run name`",
            "attr.user_id",
            "duration DESC",
            "metrics.val/loss",
            'params."batch size" DESC',
            "experiment_id",
        ]
    ) == [
        OrderKey("metric", "acc", ascending=False),
        OrderKey("param", "lr", ascending=True),
        OrderKey("attribute", "start_time", ascending=True),
        OrderKey("attribute", "run_name", ascending=True),
        OrderKey("tag", "a b", ascending=False),
        OrderKey("metric", "x.y", ascending=True),
        OrderKey("attribute", "end_time", ascending=False),
        OrderKey("attribute", "run_name", ascending=True),
        OrderKey("attribute", "user", ascending=True),
        OrderKey("attribute", "duration", ascending=False),
        OrderKey("metric", "val/loss", ascending=True),
        OrderKey("param", "batch size", ascending=False),
        OrderKey("attribute", "experiment_id", ascending=True),
    ]


def test_order_by_empty_list_means_default() -> None:
    assert parse_order_by([]) == []
    assert DEFAULT_ORDER == (OrderKey("attribute", "start_time", ascending=False),)


@pytest.mark.parametrize(
    ("item", "position", "reason"),
    [
        ("", 0, "expected a column"),
        ("   ", 3, "expected a column"),
        ("DESC", 0, "unknown attribute 'DESC'"),
        ("foo", 0, "unknown attribute 'foo'"),
        ("datasets.x", 0, "unknown entity 'datasets'"),
        ("metrics.acc DOWN", 12, "expected ASC or DESC, found 'DOWN'"),
        ("metrics.acc `DESC`", 12, "expected ASC or DESC"),
        ("metrics.acc DESC x", 17, "unexpected 'x' after the direction"),
        ("metrics.acc, params.b", 11, "expected ASC or DESC, found ','"),
        ("metrics.`acc", 8, "unterminated `quoted` name"),
        ("'start_time'", 0, "expected a column"),
        ("metrics.", 8, "expected a key"),
    ],
)
def test_order_by_errors(item: str, position: int, reason: str) -> None:
    with pytest.raises(OrderBySyntaxError) as caught:
        parse_order_by(["start_time", item])
    error = caught.value
    assert isinstance(error, InvalidArgument)
    assert error.index == 1
    assert error.position == position
    assert reason in error.message, error.message
    assert error.message.startswith(f"Invalid order_by[1] at position {position}: ")
