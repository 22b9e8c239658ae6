"""Run search against real databases: SQLite (a temp file) and PostgreSQL (a throwaway server).

Every test runs on both backends and checks the exact run ids, in order.  The PostgreSQL
server comes from ``tests/pg_server.py``; the tests are skipped for it only when this machine
has no PostgreSQL binaries.  Its cluster uses the C locale, so string sorting is by code point
as on SQLite.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text

from jupyterlab_mlplatform.errors import InvalidArgument
from jupyterlab_mlplatform.tracking.models import SearchRuns, ViewType
from jupyterlab_mlplatform.tracking.search import (
    build_search_query,
    decode_page_token,
    encode_page_token,
    parse_filter,
    parse_order_by,
    query_fingerprint,
)
from jupyterlab_mlplatform.tracking.store import schema

try:
    from tests.pg_server import PostgresUnavailable, database_engine
except ImportError:  # the repository root is not on sys.path: import it from tests/
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from pg_server import (  # type: ignore[no-redef, import-not-found, unused-ignore]
        PostgresUnavailable,
        database_engine,
    )

NAN = math.nan
INF = math.inf

EXPERIMENTS = [(1, "exp-a"), (2, "exp-b"), (3, "exp-c")]

# run_id, experiment, name, status, start, end, user, lifecycle, notebook
RUNS = [
    ("r1", 1, "alpha", "FINISHED", 1000, 5000, "alice", "active", "nb/a.ipynb"),
    ("r2", 1, "Beta", "FINISHED", 2000, 2500, "bob", "active", None),
    ("r3", 1, "gamma", "FAILED", 3000, None, None, "active", "nb/b.ipynb"),
    ("r4", 2, "delta", "RUNNING", 4000, None, "alice", "active", None),
    ("r5", 2, "epsilon", "FINISHED", 5000, 9000, "carol", "active", None),
    ("r6", 1, "deleted-run", "FINISHED", 6000, 7000, "alice", "deleted", None),
    ("r7", 3, "other", "FINISHED", 7000, 8000, "dave", "active", None),
]

METRICS: dict[str, dict[str, float]] = {
    "acc": {"r1": 0.9, "r2": 0.7, "r3": NAN, "r5": 0.95, "r6": 0.99, "r7": 0.5},
    "loss": {"r1": 0.1, "r2": -0.5, "r5": INF},
    "my key.v2": {"r2": 3.0, "r4": 5.0},
    "val/loss": {"r1": 0.2},
    "tie": {"r1": 1.0, "r2": 1.0, "r3": 1.0, "r4": 1.0, "r5": 1.0},
}

PARAMS: dict[str, dict[str, str]] = {
    "lr": {"r1": "0.01", "r2": "0.1", "r3": "0.001", "r5": "0.1", "r6": "0.1"},
    "model": {
        "r1": "ResNet50",
        "r2": "resnet18",
        "r3": "ViT-B",
        "r4": "resnet_50",
        "r5": "res*net",
        "r6": "resnet18",
    },
    "batch size": {"r1": "32", "r2": "64"},
    "path": {"r1": "C:\\runs\\a", "r2": "50%", "r3": "[x]"},
}

TAGS: dict[str, dict[str, str]] = {
    "team": {"r1": "Vision", "r2": "vision", "r3": "NLP", "r5": "Vision"},
    "note": {"r4": "it's ok"},
    "mlflow.note.content": {"r1": "x"},
}

ACTIVE = ["r5", "r4", "r3", "r2", "r1"]
"""The active runs of experiments 1 and 2 in the default order (start_time DESC)."""


def populate(engine: Engine) -> None:
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.experiments),
            [
                {
                    "experiment_id": eid,
                    "name": name,
                    "artifact_location": f"file:///tmp/{eid}",
                    "lifecycle_stage": "active",
                    "creation_time": 0,
                    "last_update_time": 0,
                }
                for eid, name in EXPERIMENTS
            ],
        )
        conn.execute(
            insert(schema.runs),
            [
                {
                    "run_id": run_id,
                    "experiment_id": eid,
                    "name": name,
                    "status": status,
                    "start_time": start,
                    "end_time": end,
                    "user": user,
                    "lifecycle_stage": stage,
                    "artifact_uri": f"file:///tmp/{eid}/{run_id}",
                    "source_notebook": notebook,
                }
                for run_id, eid, name, status, start, end, user, stage, notebook in RUNS
            ],
        )
        conn.execute(
            insert(schema.latest_metrics),
            [
                {
                    "run_id": run_id,
                    "key": key,
                    "step": 0,
                    "timestamp": 0,
                    "value": 0.0 if math.isnan(value) else value,
                    "is_nan": math.isnan(value),
                }
                for key, values in METRICS.items()
                for run_id, value in values.items()
            ],
        )
        for table, rows in ((schema.params, PARAMS), (schema.tags, TAGS)):
            conn.execute(
                insert(table),
                [
                    {"run_id": run_id, "key": key, "value": value}
                    for key, values in rows.items()
                    for run_id, value in values.items()
                ],
            )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    try:
        with database_engine(request.param, tmp_path_factory.mktemp("search")) as db:
            populate(db)
            yield db
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


def search(
    engine: Engine,
    filter_string: str = "",
    order_by: Sequence[str] = (),
    experiments: Sequence[int] = (1, 2),
    view: ViewType = ViewType.ACTIVE_ONLY,
    offset: int = 0,
    limit: int = 1000,
) -> list[str]:
    statement = build_search_query(
        list(experiments),
        view,
        parse_filter(filter_string),
        parse_order_by(list(order_by)),
        offset,
        limit,
    )
    with engine.connect() as conn:
        return [row.run_id for row in conn.execute(statement)]


def test_select_returns_whole_runs_rows(engine: Engine) -> None:
    statement = build_search_query([1], ViewType.ALL, None, [], 0, 1)
    with engine.connect() as conn:
        row = conn.execute(statement).one()
    assert row._fields == tuple(schema.runs.c.keys())
    assert row.run_id == "r6"
    assert row.name == "deleted-run"


def test_no_filter(engine: Engine) -> None:
    assert search(engine) == ACTIVE
    assert search(engine, "   ") == ACTIVE


FILTERS: list[tuple[str, list[str]]] = [
    # metrics: NaN (r3) matches no comparison, not even !=; missing metrics (r4) neither
    ("metrics.acc > 0.8", ["r5", "r1"]),
    ("metrics.acc < 1", ["r5", "r2", "r1"]),
    ("metrics.acc >= 0.7", ["r5", "r2", "r1"]),
    ("metrics.acc <= 0.9", ["r2", "r1"]),
    ("metrics.acc = 0.9", ["r1"]),
    ("metrics.acc != 0.9", ["r5", "r2"]),
    ("metrics.acc > -1000", ["r5", "r2", "r1"]),
    ("metrics.acc IS NULL", ["r4"]),
    ("metrics.acc IS NOT NULL", ["r5", "r3", "r2", "r1"]),
    ("metrics.loss > 1e300", ["r5"]),
    ("metrics.loss < 0", ["r2"]),
    ("metrics.`my key.v2` > 4", ["r4"]),
    ('metrics."my key.v2" >= 3', ["r4", "r2"]),
    ("metrics.val/loss < 1", ["r1"]),
    ("metric.nothing > 0", []),
    # params and tags
    ("params.lr = '0.1'", ["r5", "r2"]),
    ("params.lr != '0.1'", ["r3", "r1"]),
    ("params.lr IN ('0.1', '0.001')", ["r5", "r3", "r2"]),
    ("params.lr NOT IN ('0.1')", ["r3", "r1"]),
    ("params.lr IS NULL", ["r4"]),
    ("params.lr IS NOT NULL", ["r5", "r3", "r2", "r1"]),
    ("params.`batch size` = '64'", ["r2"]),
    ('params."batch size" = "32"', ["r1"]),
    ("tags.team = 'vision'", ["r2"]),
    ("tags.team IS NULL", ["r4"]),
    ("tags.mlflow.note.content = 'x'", ["r1"]),
    ("tags.note = 'it''s ok'", ["r4"]),
    ('tags.note = "it\'s ok"', ["r4"]),
    ("params.path = 'C:\\\\runs\\\\a'", ["r1"]),
    # LIKE is case-sensitive, ILIKE is not
    ("params.model LIKE 'res%'", ["r5", "r4", "r2"]),
    ("params.model ILIKE 'res%'", ["r5", "r4", "r2", "r1"]),
    ("params.model LIKE 'Res%'", ["r1"]),
    ("params.model ILIKE 'RESNET%'", ["r4", "r2", "r1"]),
    ("params.model LIKE '%net%'", ["r5", "r4", "r2"]),
    ("params.model ILIKE '%NET%'", ["r5", "r4", "r2", "r1"]),
    ("params.model LIKE 'resnet18'", ["r2"]),
    ("params.model LIKE 'RESNET18'", []),
    ("params.model ILIKE 'RESNET18'", ["r2"]),
    ("params.model LIKE 'vit-_'", []),
    ("params.model ILIKE 'vit-_'", ["r3"]),
    ("tags.team LIKE 'V%'", ["r5", "r1"]),
    ("tags.team ILIKE 'v%'", ["r5", "r2", "r1"]),
    ("tags.team LIKE '_ision'", ["r5", "r2", "r1"]),
    # LIKE wildcards and escapes; GLOB's own wildcards are literal in LIKE patterns
    ("params.model LIKE 'resnet_%'", ["r4", "r2"]),
    ("params.model LIKE 'resnet\\_%'", ["r4"]),
    ("params.model ILIKE 'RESNET\\_%'", ["r4"]),
    ("params.model LIKE 'res*%'", ["r5"]),
    ("params.model LIKE 'res?net'", []),
    ("params.path LIKE '[x]'", ["r3"]),
    ("params.path LIKE '[%'", ["r3"]),
    ("params.path LIKE '50\\%'", ["r2"]),
    ("params.path LIKE '5_\\%'", ["r2"]),
    ("params.path LIKE '%\\\\\\\\a'", ["r1"]),
    ("params.path LIKE 'C:\\\\\\\\%'", ["r1"]),
    # attributes
    ("attributes.status = 'FINISHED'", ["r5", "r2", "r1"]),
    ("status != 'FINISHED'", ["r4", "r3"]),
    ("attributes.status IN ('FAILED', 'RUNNING')", ["r4", "r3"]),
    ("attributes.status NOT IN ('FAILED', 'RUNNING')", ["r5", "r2", "r1"]),
    ("attributes.status LIKE 'F%'", ["r5", "r3", "r2", "r1"]),
    ("attributes.status LIKE 'f%'", []),
    ("attributes.status ILIKE 'f%'", ["r5", "r3", "r2", "r1"]),
    ("attributes.run_id IN ('r1', 'r2', 'r6', 'r7')", ["r2", "r1"]),
    ("run_id = 'r3'", ["r3"]),
    ("attributes.run_name LIKE 'B%'", ["r2"]),
    ("name LIKE 'b%'", []),
    ("name ILIKE 'b%'", ["r2"]),
    ("`Run name` = 'gamma'", ["r3"]),
    ("attributes.user = 'alice'", ["r4", "r1"]),
    ("attributes.user != 'alice'", ["r5", "r2"]),
    ("user IS NULL", ["r3"]),
    ("user_id IS NOT NULL", ["r5", "r4", "r2", "r1"]),
    ("attributes.source_notebook LIKE 'nb/%'", ["r3", "r1"]),
    ("attributes.source_notebook IS NULL", ["r5", "r4", "r2"]),
    ("attributes.artifact_uri LIKE '%/2/%'", ["r5", "r4"]),
    ("attributes.lifecycle_stage = 'active'", ACTIVE),
    ("attributes.experiment_id = '2'", ["r5", "r4"]),
    ("experiment_id IN ('1', '3')", ["r3", "r2", "r1"]),
    ("experiment_id != '1'", ["r5", "r4"]),
    ("experiment_id LIKE '2'", ["r5", "r4"]),
    ("attributes.start_time >= 3000", ["r5", "r4", "r3"]),
    ("attributes.start_time < 2000.5", ["r2", "r1"]),
    ("created = 4000", ["r4"]),
    ("attributes.end_time > 4000", ["r5", "r1"]),
    ("attributes.end_time IS NULL", ["r4", "r3"]),
    ("attributes.end_time IS NOT NULL", ["r5", "r2", "r1"]),
    ("attributes.duration = 4000", ["r5", "r1"]),
    ("attributes.duration < 1000", ["r2"]),
    ("duration IS NULL", ["r4", "r3"]),
    # AND, OR and parentheses
    ("metrics.acc > 0.8 OR params.lr = '0.001'", ["r5", "r3", "r1"]),
    ("params.lr = '0.1' AND metrics.acc > 0.8", ["r5"]),
    ("params.lr = '0.1' AND metrics.acc > 0.8 OR tags.team = 'NLP'", ["r5", "r3"]),
    ("params.lr = '0.1' AND (metrics.acc > 0.8 OR tags.team = 'NLP')", ["r5"]),
    ("tags.team = 'NLP' OR params.lr = '0.1' AND metrics.acc > 0.8", ["r5", "r3"]),
    ("(tags.team = 'NLP' OR params.lr = '0.1') AND metrics.acc > 0.8", ["r5"]),
    (
        "(metrics.acc IS NULL OR metrics.acc < 0.8) AND (user = 'alice' OR user = 'bob')",
        ["r4", "r2"],
    ),
    ("params.lr IS NULL OR params.lr IS NOT NULL", ACTIVE),
    ("params.lr IS NULL AND params.lr IS NOT NULL", []),
]
"""Filters and the active runs of experiments 1 and 2 they find, in the default order (the
Python back end must agree: tests/tracking/search/test_search_evaluator.py)."""


@pytest.mark.parametrize(("filter_string", "expected"), FILTERS)
def test_filter(engine: Engine, filter_string: str, expected: list[str]) -> None:
    assert search(engine, filter_string) == expected


def test_views_and_experiments(engine: Engine) -> None:
    assert search(engine, view=ViewType.DELETED_ONLY) == ["r6"]
    assert search(engine, view=ViewType.ALL) == ["r6", *ACTIVE]
    assert search(engine, "metrics.acc > 0.98", view=ViewType.ALL) == ["r6"]
    assert search(engine, "metrics.acc > 0.98") == []
    assert search(engine, experiments=[3]) == ["r7"]
    assert search(engine, experiments=[2]) == ["r5", "r4"]
    assert search(engine, experiments=[1, 2, 3]) == ["r7", *ACTIVE]
    assert search(engine, experiments=[]) == []


def test_like_patterns_do_not_leak_through_the_statement_cache(engine: Engine) -> None:
    # Same statement shape, different patterns: the compiled-statement cache must rebind them.
    for _ in range(2):
        assert search(engine, "params.model LIKE 'res%'") == ["r5", "r4", "r2"]
        assert search(engine, "params.model LIKE 'Res%'") == ["r1"]
        assert search(engine, "params.model ILIKE 'vit%'") == ["r3"]
        assert search(engine, "params.model ILIKE 'RES*%'") == ["r5"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        # real values, then NaN (r3), then runs without the metric (r4), in both directions
        (["metrics.acc DESC"], ["r5", "r1", "r2", "r3", "r4"]),
        (["metrics.acc"], ["r2", "r1", "r5", "r3", "r4"]),
        (["metrics.acc ASC"], ["r2", "r1", "r5", "r3", "r4"]),
        (["metrics.loss DESC"], ["r5", "r1", "r2", "r4", "r3"]),
        (["metrics.loss ASC"], ["r2", "r1", "r5", "r4", "r3"]),
        (["metrics.`my key.v2` DESC"], ["r4", "r2", "r5", "r3", "r1"]),
        # ties fall back to start_time DESC, then run_id
        (["metrics.tie DESC"], ["r5", "r4", "r3", "r2", "r1"]),
        (["metrics.tie", "attributes.start_time ASC"], ["r1", "r2", "r3", "r4", "r5"]),
        (["metrics.tie", "run_id DESC"], ["r5", "r4", "r3", "r2", "r1"]),
        (["metrics.tie", "run_id"], ["r1", "r2", "r3", "r4", "r5"]),
        # params and tags sort as strings, missing last
        (["params.lr ASC"], ["r3", "r1", "r5", "r2", "r4"]),
        (["params.lr DESC"], ["r5", "r2", "r1", "r3", "r4"]),
        (["params.lr DESC", "metrics.acc ASC"], ["r2", "r5", "r1", "r3", "r4"]),
        (["params.`batch size` DESC"], ["r2", "r1", "r5", "r4", "r3"]),
        (["tags.team"], ["r3", "r5", "r1", "r2", "r4"]),
        (["tags.team DESC"], ["r2", "r5", "r1", "r3", "r4"]),
        (["params.missing DESC"], ACTIVE),
        # attributes
        (["attributes.start_time ASC"], ["r1", "r2", "r3", "r4", "r5"]),
        (["start_time DESC"], ACTIVE),
        (["name"], ["r2", "r1", "r4", "r5", "r3"]),
        (["attributes.run_name DESC"], ["r3", "r5", "r4", "r1", "r2"]),
        (["attributes.end_time DESC"], ["r5", "r1", "r2", "r4", "r3"]),
        (["attributes.end_time ASC"], ["r2", "r1", "r5", "r4", "r3"]),
        (["duration DESC"], ["r5", "r1", "r2", "r4", "r3"]),
        (["duration ASC", "run_id DESC"], ["r2", "r5", "r1", "r4", "r3"]),
        (["user"], ["r4", "r1", "r2", "r5", "r3"]),
        (["status", "experiment_id DESC"], ["r3", "r5", "r2", "r1", "r4"]),
        (["experiment_id", "start_time ASC"], ["r1", "r2", "r3", "r4", "r5"]),
    ],
)
def test_order_by(engine: Engine, order_by: list[str], expected: list[str]) -> None:
    assert search(engine, order_by=order_by) == expected


def test_order_by_with_filter(engine: Engine) -> None:
    assert search(engine, "metrics.acc > 0.5", ["metrics.acc DESC"]) == ["r5", "r1", "r2"]
    assert search(engine, "params.model ILIKE 'res%'", ["params.model"]) == [
        "r1",
        "r5",
        "r2",
        "r4",
    ]
    # Sorting and filtering on the same key use separate joins / subqueries.
    assert search(engine, "metrics.acc IS NULL OR metrics.acc < 0.8", ["metrics.acc DESC"]) == [
        "r2",
        "r4",
    ]


@pytest.mark.parametrize(
    "order_by", [[], ["metrics.acc DESC"], ["params.lr"], ["metrics.tie"], ["user DESC"]]
)
def test_pages_are_stable(engine: Engine, order_by: list[str]) -> None:
    everything = search(engine, order_by=order_by, experiments=[1, 2, 3], view=ViewType.ALL)
    assert sorted(everything) == ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]
    pages = [
        search(
            engine,
            order_by=order_by,
            experiments=[1, 2, 3],
            view=ViewType.ALL,
            offset=offset,
            limit=3,
        )
        for offset in (0, 3, 6, 9)
    ]
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [run for page in pages for run in page] == everything


def test_bad_offset_and_limit() -> None:
    with pytest.raises(InvalidArgument):
        build_search_query([1], ViewType.ALL, None, [], -1, 10)
    with pytest.raises(InvalidArgument):
        build_search_query([1], ViewType.ALL, None, [], 0, 0)


def test_case_sensitive_like_is_portable_sql(engine: Engine) -> None:
    # SQLite compiles LIKE to GLOB; PostgreSQL keeps LIKE (never GLOB, which it lacks).
    statement = build_search_query(
        [1], ViewType.ALL, parse_filter("params.model LIKE 'a%'"), [], 0, 10
    )
    sql = str(statement.compile(dialect=engine.dialect))
    if engine.dialect.name == "sqlite":
        assert "GLOB" in sql and " LIKE " not in sql
    else:
        assert "GLOB" not in sql and " LIKE " in sql
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


# -- page tokens ---------------------------------------------------------------------------


def test_page_token_round_trip() -> None:
    query = SearchRuns(experiment_ids=["1"], filter="metrics.acc > 0.5", order_by=["name"])
    token = encode_page_token(2000, query)
    assert token.replace("-", "").replace("_", "").isalnum()
    assert "=" not in token
    assert decode_page_token(token, query) == 2000
    # The page size may change between pages; the token still works.
    assert decode_page_token(token, query.model_copy(update={"max_results": 5})) == 2000
    # A fingerprint string works as well as the query.
    fingerprint = query_fingerprint("metrics.acc > 0.5", ["name"], ["1"], ViewType.ACTIVE_ONLY)
    assert decode_page_token(token, fingerprint) == 2000
    assert decode_page_token(encode_page_token(0, fingerprint), query) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"filter": "metrics.acc > 0.6"},
        {"order_by": ["name DESC"]},
        {"experiment_ids": ["1", "2"]},
        {"run_view_type": ViewType.ALL},
    ],
)
def test_page_token_of_another_search(change: dict[str, object]) -> None:
    query = SearchRuns(experiment_ids=["1"], filter="metrics.acc > 0.5", order_by=["name"])
    token = encode_page_token(10, query)
    with pytest.raises(InvalidArgument, match="different filter"):
        decode_page_token(token, query.model_copy(update=change))


def test_page_token_ignores_experiment_order() -> None:
    first = query_fingerprint("", [], ["1", "2"])
    assert first == query_fingerprint("", [], ["2", "1"])
    assert first == query_fingerprint("", [], [2, 1])
    assert first != query_fingerprint("", [], ["1"])


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "!!!!",
        "a" * 1000,
        "eyJvZmZzZXQiOiAxfQ",  # {"offset": 1}
        "eyJvZmZzZXQiOi0xLCJxIjoiYWJjIn0",  # {"offset":-1,"q":"abc"}
        "eyJvZmZzZXQiOiIxIiwicSI6ImFiYyJ9",  # {"offset":"1","q":"abc"}
        "eyJvZmZzZXQiOnRydWUsInEiOiJhYmMifQ",  # {"offset":true,"q":"abc"}
        "WzEsMl0",  # [1,2]
        "_w",  # not UTF-8
        "eyJvZmZzZXQiOjEsInEiOiJhYmMifQ==",  # padding is not part of the alphabet
    ],
)
def test_garbage_page_tokens(token: str) -> None:
    with pytest.raises(InvalidArgument, match="Invalid page_token"):
        decode_page_token(token, "abc")


def test_page_token_bad_offset() -> None:
    with pytest.raises(InvalidArgument):
        encode_page_token(-1, "abc")
    assert decode_page_token("eyJvZmZzZXQiOjEsInEiOiJhYmMifQ", "abc") == 1
