"""Every search answers a bad filter, order_by or page token with the same 400, through the
real server, on SQLite and PostgreSQL: the platform's run search and MLflow's run,
experiment and logged-model searches share one grammar, one error and one page token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.mlflow_api.conftest import Call


@pytest.fixture
def mlp_app_config(mlp_data_dir: Path, mlp_store_uri: str) -> dict[str, Any]:
    """The server on each store (``mlp_store_uri``: a fresh SQLite or PostgreSQL database)."""
    return {"data_dir": str(mlp_data_dir), "tracking_uri": mlp_store_uri}


SEARCHES = ["ours", "mlflow runs", "mlflow experiments", "mlflow logged models"]
"""The four searches; ``_search`` sends a filter, order_by and page token to each."""

BAD_FILTERS = [
    # (filter, the searches it is wrong for, position, reason); the others find nothing
    ("name =", SEARCHES, 6, "expected a value after '='"),
    ("name = 'unterminated", SEARCHES, 7, "unterminated string"),
    ("name = 'a' extra", SEARCHES, 11, "or the end of the filter, found 'extra'"),
    ("colour = 'red'", SEARCHES, 0, "unknown attribute 'colour'"),
    ("stuff.name = 'a'", SEARCHES, 0, "unknown entity 'stuff'"),
    ("name > 'a'", SEARCHES, 5, "cannot be compared with >"),
    ("name LIKE 5", SEARCHES, 10, "expected a string in quotes after 'LIKE'"),
    ("name IN 'a'", SEARCHES, 8, "expected '(' after IN"),
    ("name == 'a'", SEARCHES, 5, "use '=' instead of '=='"),
    ("tags.t = 'a' and ¹", SEARCHES, 17, "unexpected character"),
    ("tags.t = 'a' OR tags.t = 'b'", SEARCHES[2:], 13, "OR is not supported in this search"),
    ("(tags.t = 'a')", SEARCHES[2:], 0, "parentheses are not supported in this search"),
    ("tags.t IS NULL", SEARCHES[2:], 7, "tags cannot be compared with IS NULL"),
    ("metrics.m > 1", ["mlflow experiments"], 0, "this search has no entity 'metrics'"),
    ("metrics.m < 1 AND metrics.m > 'high'", SEARCHES[:2] + SEARCHES[3:], 30, "expected a number"),
    ("metrics.m < 1 AND metrics.m > 'high'", ["mlflow experiments"], 0, "no entity 'metrics'"),
]


async def _search(
    search: str,
    mlp_api: Any,
    mlflow_api: Call,
    filter_string: str = "",
    order_by: list[str] | None = None,
    page_token: str | None = None,
    max_results: int = 100,
) -> tuple[int, dict[str, Any]]:
    order_by = order_by or []
    optional: dict[str, Any] = {"page_token": page_token} if page_token else {}
    if search == "ours":
        body = {"filter": filter_string, "order_by": order_by, "max_results": max_results}
        return await mlp_api("POST", "runs/search", {**body, **optional})  # type: ignore[no-any-return]
    common = {"filter": filter_string, "max_results": max_results, **optional}
    if search == "mlflow runs":
        body = {"experiment_ids": ["0"], "order_by": order_by, **common}
        return await mlflow_api("POST", "runs/search", body)
    if search == "mlflow experiments":
        return await mlflow_api("POST", "experiments/search", {"order_by": order_by, **common})
    orders = [{"field_name": item} for item in order_by]
    body = {"experiment_ids": ["0"], "order_by": orders, **common}
    return await mlflow_api("POST", "logged-models/search", body)


def _check_shape(search: str, reply: dict[str, Any]) -> None:
    """The one shape: a message, and (MLflow's searches) MLflow's code."""
    assert isinstance(reply["message"], str) and reply["message"]
    if search == "ours":
        assert reply["reason"] == "Bad Request"
    else:
        assert reply["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("search", SEARCHES)
async def test_bad_filters_are_the_same_400_everywhere(
    search: str,
    mlp_api: Any,
    mlflow_api: Call,
) -> None:
    for text, wrong_for, position, reason in BAD_FILTERS:
        # When
        status, reply = await _search(search, mlp_api, mlflow_api, text)
        # Then
        if all(search not in row[1] for row in BAD_FILTERS if row[0] == text):
            assert status == 200, (text, reply)
            continue
        if search not in wrong_for:
            continue
        assert status == 400, (search, text, reply)
        _check_shape(search, reply)
        assert reply["message"].startswith(f"Invalid filter at position {position}: "), reply
        details = reply["details"]
        assert details["field"] == "filter" and details["position"] == position, (text, reply)
        assert reason in details["reason"], (text, reply)
        assert "^" in reply["message"]  # the caret under the position


@pytest.mark.parametrize("search", SEARCHES)
async def test_bad_order_by_items_name_the_item(
    search: str,
    mlp_api: Any,
    mlflow_api: Call,
) -> None:
    status, reply = await _search(search, mlp_api, mlflow_api, order_by=["name", "colour"])
    assert status == 400, reply
    _check_shape(search, reply)
    assert reply["message"].startswith("Invalid order_by[1] at position 0: unknown attribute")
    assert reply["details"] == {
        "field": "order_by[1]",
        "position": 0,
        "reason": reply["details"]["reason"],
        "index": 1,
    }


async def _pages(mlp_api: Any, mlflow_api: Call) -> None:
    """Two of everything in the default experiment "0", so that each search has a second
    page at ``max_results=1``."""
    for name in ("a", "b"):
        status, _ = await mlp_api("POST", "runs", {"experiment_id": "0", "name": name})
        assert status == 201
        status, _ = await mlflow_api("POST", "experiments/create", {"name": name})
        assert status == 200
        status, _ = await mlflow_api("POST", "logged-models", {"experiment_id": "0", "name": name})
        assert status == 200


async def test_page_tokens_are_bound_to_their_search(
    mlp_api: Any,
    mlflow_api: Call,
) -> None:
    # Given a first page of each search
    await _pages(mlp_api, mlflow_api)
    tokens = {}
    for search in SEARCHES:
        status, reply = await _search(search, mlp_api, mlflow_api, "name != 'z'", max_results=1)
        assert status == 200 and reply["next_page_token"], (search, reply)
        tokens[search] = reply["next_page_token"]
    for search in SEARCHES:
        # When the second page is asked for with its own token, then it comes
        status, reply = await _search(
            search, mlp_api, mlflow_api, "name != 'z'", page_token=tokens[search], max_results=1
        )
        assert status == 200, (search, reply)
        # When another search's token, a changed filter or garbage comes, then the same 400
        others = [tokens[other] for other in SEARCHES if other != search]
        for filter_string, token in [
            *(("name != 'z'", other) for other in others),
            ("name != 'y'", tokens[search]),
            ("name != 'z'", "garbage!"),
            ("name != 'z'", "eyJvZmZzZXQiOjF9"),  # {"offset":1}: the old format
        ]:
            status, reply = await _search(
                search, mlp_api, mlflow_api, filter_string, page_token=token, max_results=1
            )
            assert status == 400, (search, filter_string, token, reply)
            _check_shape(search, reply)
            assert reply["message"].startswith("Invalid page_token: "), reply
            assert "details" not in reply  # no position: the filter is not at fault


async def test_metric_history_pages_use_the_same_tokens(
    mlp_api: Any,
    mlflow_api: Call,
) -> None:
    _, run = await mlp_api("POST", "runs", {"experiment_id": "0"})
    run_id = run["run_id"]
    for step in range(3):
        body = {"metrics": [{"key": "m", "value": step, "step": step}]}
        await mlp_api("POST", f"runs/{run_id}/log", body)
    query = f"metrics/get-history?run_id={run_id}&metric_key=m&max_results=2"
    status, first = await mlflow_api("GET", query)
    assert status == 200 and len(first["metrics"]) == 2
    status, second = await mlflow_api("GET", f"{query}&page_token={first['next_page_token']}")
    assert status == 200 and [m["value"] for m in second["metrics"]] == [2]
    # A token of another metric's history, or of a search, is the same 400
    await _pages(mlp_api, mlflow_api)
    _, experiments = await _search("mlflow experiments", mlp_api, mlflow_api, max_results=1)
    other = f"metrics/get-history?run_id={run_id}&metric_key=n&max_results=2"
    for bad in (
        f"{other}&page_token={first['next_page_token']}",
        f"{query}&page_token={experiments['next_page_token']}",
        f"{query}&page_token=garbage",
    ):
        status, reply = await mlflow_api("GET", bad)
        assert status == 400, (bad, reply)
        _check_shape("mlflow", reply)
        assert reply["message"].startswith("Invalid page_token: ")
