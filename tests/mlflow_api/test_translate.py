"""The pure parts: run filter rewriting, paths, error codes (the filters of experiment and
model searches: tests/tracking/search/test_search_evaluator.py)."""

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
from jupyterlab_mlplatform.mlflow_api.error_codes import (
    EndpointNotFound,
    mlflow_error_code,
    mlflow_status,
)
from jupyterlab_mlplatform.tracking.search import Comparison, Expr, OrderKey
from jupyterlab_mlplatform.tracking.search import parse_filter as parse_run_filter


@pytest.mark.parametrize(
    ("mlflow_filter", "ours"),
    [
        ("tags.mlflow.runName = 'a'", "attributes.run_name = 'a'"),
        ("tags.`mlflow.user` != 'x'", "attributes.user != 'x'"),
        (
            "params.p = 'it''s' AND tags.mlflow.runName LIKE 'a\\%%'",
            "params.p = 'it''s' AND attributes.run_name LIKE 'a\\%%'",
        ),
        ("metrics.m > 0.5", "metrics.m > 0.5"),
        (
            "(tags.mlflow.runName IN ('a', 'b') OR metrics.m >= 1e20) AND tags.t IS NULL",
            "(attributes.run_name IN ('a', 'b') OR metrics.m >= 1e20) AND tags.t IS NULL",
        ),
        ("", ""),
    ],
)
def test_run_filters_name_our_fields(mlflow_filter: str, ours: str) -> None:
    # The store gets the parsed expression with the mirrored tags replaced
    parsed = run_search.run_query(mlflow_filter, [])
    assert _unplaced(parsed.expression) == _unplaced(parse_run_filter(ours))


def _unplaced(expression: Expr | None) -> Expr | None:
    """The expression without the positions in the text it came from."""
    if expression is None or isinstance(expression, Comparison):
        return expression and replace(expression, position=0)
    items = tuple(_unplaced(item) for item in expression.items)
    return type(expression)(items)  # type: ignore[arg-type]


def test_run_order_by_names_our_fields() -> None:
    assert run_search.run_query("", ["metrics.m DESC"]).order == (
        OrderKey("metric", "m", ascending=False),
    )
    assert run_search.run_query("", ["tags.mlflow.runName DESC", "params.p"]).order == (
        OrderKey("attribute", "run_name", ascending=False),
        OrderKey("param", "p", ascending=True),
    )


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
