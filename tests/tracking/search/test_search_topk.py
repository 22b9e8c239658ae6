"""Run searches sorted by a metric, param or tag, read in index order (``search.topk``),
against real SQLite and PostgreSQL: every page is the page the one-statement sort gives
(:func:`build_search_query`, checked against the Python evaluator in test_search_sql.py),
and paging gives every run exactly once, with ties and with runs lacking the key last.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, insert

from jupyterlab_mlplatform.tracking.models import ViewType
from jupyterlab_mlplatform.tracking.search import build_search_query, parse_query
from jupyterlab_mlplatform.tracking.search.topk import search_run_rows
from jupyterlab_mlplatform.tracking.store import schema

try:
    from tests.pg_server import PostgresUnavailable, database_engine
except ImportError:  # the repository root is not on sys.path: import it from tests/
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from pg_server import (  # type: ignore[no-redef, import-not-found, unused-ignore]
        PostgresUnavailable,
        database_engine,
    )

RUN_COUNT = 240


def populate(engine: Engine) -> None:
    """240 runs in experiments 1 and 2 (a tenth deleted): ``acc`` from five values (ties),
    NaN for some and missing for others; ``model`` from three values or missing; start times
    shared by three runs each."""
    rnd = random.Random(7)
    schema.metadata.create_all(engine)
    runs, metrics, params, tags = [], [], [], []
    for i in range(RUN_COUNT):
        run_id = f"r{i:03d}"
        runs.append(
            {
                "run_id": run_id,
                "experiment_id": 1 + i % 2,
                "name": f"run-{i}",
                "status": "FINISHED",
                "start_time": 1000 * (i // 3),
                "user": "u",
                "lifecycle_stage": "deleted" if i % 10 == 9 else "active",
                "artifact_uri": f"file:///tmp/{run_id}",
            }
        )
        draw = rnd.random()
        if draw < 0.8:
            value, nan = rnd.choice([0.1, 0.5, 0.5, 0.9, -math.inf]), False
        elif draw < 0.9:
            value, nan = 0.0, True
        else:
            value = None
        if value is not None:
            metrics.append(
                {"run_id": run_id, "key": "acc", "step": 0, "timestamp": 0}
                | {"value": value, "is_nan": nan}
            )
        if rnd.random() < 0.7:
            params.append({"run_id": run_id, "key": "model", "value": rnd.choice("abc")})
        if rnd.random() < 0.5:
            tags.append({"run_id": run_id, "key": "team", "value": rnd.choice(["x", "y"])})
    with engine.begin() as conn:
        conn.execute(
            insert(schema.experiments),
            [
                {"experiment_id": e, "name": f"e{e}", "artifact_location": "file:///tmp"}
                | {"creation_time": 0, "last_update_time": 0}
                for e in (1, 2)
            ],
        )
        conn.execute(insert(schema.runs), runs)
        conn.execute(insert(schema.latest_metrics), metrics)
        conn.execute(insert(schema.params), params)
        conn.execute(insert(schema.tags), tags)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mlp_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    try:
        with database_engine(request.param, tmp_path_factory.mktemp("topk")) as db:
            populate(db)
            yield db
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


def one_statement(conn: Connection, filter_string: str, order_by: list[str]) -> list[str]:
    parsed = parse_query(filter_string, order_by)
    statement = build_search_query(
        [1, 2], ViewType.ACTIVE_ONLY, parsed.expression, parsed.order, 0, RUN_COUNT + 1
    )
    return [row.run_id for row in conn.execute(statement)]


def paged(
    conn: Connection, filter_string: str, order_by: list[str], size: int, bound: int = 0
) -> list[str]:
    parsed = parse_query(filter_string, order_by)
    found: list[str] = []
    offset = 0
    while True:
        rows = search_run_rows(
            conn,
            [1, 2],
            ViewType.ACTIVE_ONLY,
            parsed.expression,
            parsed.order,
            offset,
            size + 1,
            narrow_bound=bound,
        )
        found += [row.run_id for row in rows[:size]]
        if len(rows) <= size:
            return found
        offset += size


ORDERS = [
    ["metrics.acc DESC"],
    ["metrics.acc ASC"],
    ["metrics.acc DESC", "params.model ASC"],
    ["metrics.acc ASC", "attributes.start_time ASC"],
    ["params.model DESC"],
    ["params.model ASC", "metrics.acc DESC"],
    ["tags.team ASC", "attributes.run_name DESC"],
]

FILTERS = [
    "",
    "metrics.acc > 0.2",
    "params.model = 'a'",
    "params.model != 'b' or metrics.acc < 0.6",
    "attributes.run_name LIKE 'run-1%'",
    "metrics.acc IS NULL",
    "params.model IS NOT NULL and tags.team = 'x'",
]


@pytest.mark.parametrize("order_by", ORDERS, ids=" ".join)
@pytest.mark.parametrize("filter_string", FILTERS)
def test_pages_in_index_order_are_the_sorted_pages(
    mlp_engine: Engine, filter_string: str, order_by: list[str]
) -> None:
    # Given the runs sorted by one statement
    with mlp_engine.connect() as conn:
        expected = one_statement(conn, filter_string, order_by)
        # When paging through them in index order, with pages that end inside ties and
        # inside each part (values, NaN, missing)
        for size in (7, 50, RUN_COUNT):
            found = paged(conn, filter_string, order_by, size)
            # Then each page is the sorted one: every run once, in the same order
            assert found == expected, (size, filter_string, order_by)
    assert len(set(found)) == len(found)


def test_runs_lacking_the_metric_come_last(mlp_engine: Engine) -> None:
    with mlp_engine.connect() as conn:
        found = paged(conn, "", ["metrics.acc DESC"], 11)
        acc = {
            row.run_id: (row.value, row.is_nan)
            for row in conn.execute(schema.latest_metrics.select())
        }
    ranks = [0 if r in acc and not acc[r][1] else 1 if r in acc else 2 for r in found]
    assert ranks == sorted(ranks)
    assert ranks.count(1) > 0 and ranks.count(2) > 0
    values = [acc[r][0] for r in found if ranks[found.index(r)] == 0]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("bound", [1, 10_000])
def test_narrow_and_broad_searches_agree(mlp_engine: Engine, bound: int) -> None:
    # A bound of 10,000 sorts these few runs in one statement; 1 always walks the index.
    with mlp_engine.connect() as conn:
        for filter_string in FILTERS[:4]:
            expected = one_statement(conn, filter_string, ["metrics.acc DESC"])
            found = paged(conn, filter_string, ["metrics.acc DESC"], 13, bound=bound)
            assert found == expected
