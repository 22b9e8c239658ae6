"""The pure parts: filters of experiment and model searches, run filter rewriting, paths,
error codes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jupyterlab_mlplatform.errors import (
    Conflict,
    InvalidArgument,
    MLPlatformError,
    NotFound,
    PayloadTooLarge,
    StoreUnavailable,
)
from jupyterlab_mlplatform.mlflow_api import models as wire
from jupyterlab_mlplatform.mlflow_api import run_search, translate
from jupyterlab_mlplatform.mlflow_api.entity_filter import (
    Record,
    decode_offset,
    matches,
    page,
    parse_filter,
)
from jupyterlab_mlplatform.mlflow_api.error_codes import (
    EndpointNotFound,
    mlflow_error_code,
    mlflow_status,
)
from jupyterlab_mlplatform.tracking.search import Comparison, Expr
from jupyterlab_mlplatform.tracking.search import parse_filter as parse_run_filter

MODEL = Record(
    attributes={
        "name": "clf",
        "status": "LOGGED_MODEL_READY",
        "source_run_id": None,
        "creation_timestamp": 1000,
    },
    tags={"team": "vision", "it's": "quoted"},
    params={"lr": "0.1"},
)


def _holds(text: str) -> bool:
    conditions = parse_filter(
        text, translate.LOGGED_MODEL_ATTRIBUTES, translate.LOGGED_MODEL_NUMERIC
    )
    return matches(conditions, MODEL)


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
        ("source_run_id = 'r'", False),
        ("status = 'LOGGED_MODEL_READY'", True),
        ("name = 'it''s'", False),
    ],
)
def test_model_filters(text: str, expected: bool) -> None:
    assert _holds(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "name =",
        "name = 'a' OR name = 'b'",
        "metrics.acc > 0.5",
        "colour = 'red'",
        "creation_timestamp = 'yesterday'",
        "name > 'a'",
        "name LIKE 5",
        "name IN 'a'",
        "name = 'unterminated",
        "stuff.name = 'a'",
        "name = 'a' extra",
    ],
)
def test_bad_model_filters_are_invalid_arguments(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        _holds(text)
    assert "position" in info.value.message


def test_pages() -> None:
    items = list(range(5))
    first, token = page(items, None, 2)
    second, token2 = page(items, token, 2)
    third, token3 = page(items, token2, 2)
    assert (first, second, third, token3) == ([0, 1], [2, 3], [4], None)
    for bad in ("garbage", "eyJvZmZzZXQiOiAtMX0=", "W10="):
        with pytest.raises(InvalidArgument):
            decode_offset(bad)


@pytest.mark.parametrize(
    ("mlflow_filter", "rewritten"),
    [
        ("tags.mlflow.runName = 'a'", "attributes.`run_name` = 'a'"),
        ("tags.`mlflow.user` != 'x'", "attributes.`user` != 'x'"),
        ("params.p = 'it''s' AND tags.mlflow.runName LIKE 'a\\%%'", None),
        ("metrics.m > 0.5", "metrics.m > 0.5"),
        ("(tags.mlflow.runName IN ('a', 'b') OR metrics.m >= 1e20) AND tags.t IS NULL", None),
    ],
)
def test_run_filters_name_our_fields(mlflow_filter: str, rewritten: str | None) -> None:
    result = run_search.run_filter(mlflow_filter)
    if rewritten is not None:
        assert result == rewritten
    # The rewritten filter means the original with the mirrored tags replaced
    original = parse_run_filter(mlflow_filter)
    assert original is not None
    assert _unplaced(parse_run_filter(result)) == _unplaced(run_search.rewrite(original))
    assert "mlflow.runName" not in result and "mlflow.user" not in result


def _unplaced(expression: Expr | None) -> Expr | None:
    """The expression without the positions in the text it came from."""
    if expression is None or isinstance(expression, Comparison):
        return expression and replace(expression, position=0)
    items = tuple(_unplaced(item) for item in expression.items)
    return type(expression)(items)  # type: ignore[arg-type]


def test_run_order_by_names_our_fields() -> None:
    assert run_search.run_order_by(["metrics.m DESC"]) == ["metrics.m DESC"]
    assert run_search.run_order_by(["tags.mlflow.runName DESC", "params.p"]) == [
        "attributes.`run_name` DESC",
        "params.`p` ASC",
    ]


def test_artifact_targets() -> None:
    run = translate.artifact_target("3/abc/artifacts/dir/file.txt")
    assert (run.kind, run.experiment_id, run.owner_id, run.path) == (
        "run",
        "3",
        "abc",
        "dir/file.txt",
    )
    model = translate.artifact_target("3/models/m-1/artifacts")
    assert (model.kind, model.owner_id, model.path) == ("model", "m-1", "")
    for escape in ("3/abc/artifacts/../../x", "/etc/passwd", "3\\abc", "3/abc/artifacts/\x00"):
        with pytest.raises(InvalidArgument):
            translate.artifact_target(escape)
    for elsewhere in ("3", "3/abc", "3/abc/other/x", "3/models/m-1/x"):
        with pytest.raises(NotFound):
            translate.artifact_target(elsewhere)


def test_log_batch_translation() -> None:
    batch = translate.log_batch(
        [wire.MetricIn(key="m", value=float("nan"), timestamp=5, step=2)],
        [wire.KeyValueIn(key="p", value="1"), wire.KeyValueIn(key="p", value="1")],
        [
            wire.KeyValueIn(key="mlflow.runName", value="new"),
            wire.KeyValueIn(key="mlflow.user", value="mallory"),
            wire.KeyValueIn(key="t", value="a"),
            wire.KeyValueIn(key="t", value="b"),
        ],
    )
    assert batch.rename == "new"
    assert batch.batch.params == {"p": "1"} and batch.batch.tags == {"t": "b"}
    [point] = batch.batch.metrics
    assert point["key"] == "m" and point["step"] == 2 and point["timestamp"] == 5
    with pytest.raises(InvalidArgument):
        translate.log_batch([], [wire.KeyValueIn(key="k" * 251, value="v")], [])
    with pytest.raises(InvalidArgument):
        translate.log_batch([], [wire.KeyValueIn(key="p", value="v" * 6001)], [])


@pytest.mark.parametrize(
    ("error", "conflict_code", "code", "status"),
    [
        (NotFound("x"), "INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST", 404),
        (InvalidArgument("x"), "INVALID_PARAMETER_VALUE", "INVALID_PARAMETER_VALUE", 400),
        (Conflict("x"), "INVALID_PARAMETER_VALUE", "INVALID_PARAMETER_VALUE", 400),
        (Conflict("x"), "RESOURCE_ALREADY_EXISTS", "RESOURCE_ALREADY_EXISTS", 400),
        (PayloadTooLarge("x"), "INVALID_PARAMETER_VALUE", "INVALID_PARAMETER_VALUE", 413),
        (StoreUnavailable("x"), "INVALID_PARAMETER_VALUE", "TEMPORARILY_UNAVAILABLE", 503),
        (EndpointNotFound("x"), "INVALID_PARAMETER_VALUE", "ENDPOINT_NOT_FOUND", 404),
    ],
)
def test_error_codes(error: MLPlatformError, conflict_code: str, code: str, status: int) -> None:
    assert mlflow_error_code(error, conflict_code) == code
    assert mlflow_status(error, conflict_code) == status
