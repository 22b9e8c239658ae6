"""schemathesis against the two OpenAPI documents we serve: the platform's REST API
(``mlplatform/api/openapi.json`` of a real ``jupyter server`` process, called with its token)
and a real scoring server's (``/openapi.json`` of a deployment's own port, with an API key).

schemathesis runs as its command line does (its engine), with every phase: the documented
examples, coverage (boundary and invalid values of each parameter and body field, missing
credentials), fuzzing, and stateful sequences (links it infers between operations).  It is
bounded and deterministic (:data:`MAX_EXAMPLES` generated cases per operation and phase, a
fixed seed), so it takes the same time and finds the same things on every run.  Every
answer must be no 5xx and match the document: status code, content type and body schema.
Each operation is then one test here, failing with schemathesis' reproduction (curl).

Path parameters name real resources (an experiment, a run with a metric and an artifact),
so that the cases reach the handlers' logic rather than a 404; the operations that delete
get resources of their own.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from jupyterlab_mlplatform import __version__
from jupyterlab_mlplatform.deploy.serving import app as serving_app
from jupyterlab_mlplatform.platform_openapi import build_openapi
from tests.collab.server_process import ServerProcess
from tests.scoring_server import COLUMNS, save_small_model, start_scoring_server

MAX_EXAMPLES = 15
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)

NOT_FUZZED = {
    "GET /events": "a websocket: plain requests only get its refusal "
    "(tests/tracking/api/test_api_events.py checks that, and the upgrade itself)",
}
NOT_REACHED = {
    "GET /openapi.json": "schemathesis does not call the document it tests "
    "(test_the_fuzzed_document_is_the_served_one and test_openapi.py check it)",
}

LAB_OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, item in build_openapi(__version__)["paths"].items()
    for method in item
)
SCORING_OPERATIONS = sorted(
    ["POST /invocations", *(f"GET {path}" for path in serving_app.GET_ROUTES - {"/ping"})]
)
"""``/ping`` is MLflow's alias of ``/health``, not in the document."""

OTHER = "(stateful sequences and errors outside one operation)"


@dataclass(frozen=True)
class Found:
    """A failed check: what failed, with schemathesis' curl command."""

    text: str


@dataclass
class FuzzReport:
    checks: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Checks run per operation (and in stateful sequences, under :data:`OTHER`)."""
    failures: dict[str, list[Found]] = field(default_factory=lambda: defaultdict(list))
    """What failed, by the operation of the failing request."""

    def assert_answers_as_documented(self, operation: str) -> None:
        found = self.failures.get(operation, [])
        assert not found, "\n\n".join(f.text for f in found)


def run_schemathesis(url: str, config: dict[str, Any]) -> FuzzReport:
    """Every phase of schemathesis on the document at ``url``, as ``st run`` does."""
    settings = SchemathesisConfig.from_dict(
        {
            "workers": 1,
            "seed": 1,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            **config,
        }
    )
    schema = schemathesis.openapi.from_url(url, config=settings)
    for label in NOT_FUZZED:
        method, path = label.split(" ", 1)
        schema = schema.exclude(method=method, path=path)
    report = FuzzReport()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            for case_id, nodes in recorder.checks.items():
                case = recorder.cases[case_id].value
                label = case.operation.label
                for node in nodes:
                    report.checks[label] += 1
                    if recorder.label not in _ALL_OPERATIONS:
                        report.checks[OTHER] += 1
                    if node.failure_info is not None:
                        failure = node.failure_info.failure
                        text = (
                            f"{recorder.label}: {node.name}: {failure.title}\n"
                            f"{failure.message}\n{node.failure_info.code_sample}"
                        )
                        report.failures[label].append(Found(text))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            report.failures[OTHER].append(Found(f"schemathesis error: {event}"))
    return report


_ALL_OPERATIONS = {*LAB_OPERATIONS, *SCORING_OPERATIONS}


# -- the platform's REST API in a real Jupyter server --------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def lab_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """The server on each tracking store (PostgreSQL answers some bad input differently)."""
    config: dict[str, Any] = {"ServerApp": {"log_level": "INFO"}}
    if request.param == "postgresql":
        url = _new_postgres_database(request.getfixturevalue("mlp_postgres_url"))
        config["MLPlatformApp"] = {"tracking_uri": url}
    loop = asyncio.new_event_loop()
    server = ServerProcess(tmp_path_factory.mktemp(f"fuzz-lab-{request.param}"), config)
    try:
        loop.run_until_complete(server.start())
        yield server
    finally:
        loop.run_until_complete(server.stop())
        loop.close()


def _new_postgres_database(server_url: str) -> str:
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def _lab_api(server: ServerProcess) -> tuple[str, dict[str, str]]:
    return f"{server.server.url}mlplatform/api", {"Authorization": f"token {server.token}"}


def _resources(base: str, headers: dict[str, str], workdir: Path) -> dict[str, str]:
    """Real ids for the path parameters: an experiment, a run with a metric and an
    artifact, and another of each for the operations that delete; and a deployment of
    a model logged to the kept run, serving."""

    def call(method: str, route: str, body: Any = None, data: bytes | None = None) -> Any:
        response = requests.request(
            method,
            f"{base}{route}",
            headers=headers,
            data=data if data is not None else json.dumps(body),
            timeout=30,
        )
        assert response.status_code < 300, (route, response.text)
        return response.json()

    ids = {}
    for label in ("kept", "deleted"):
        experiment = call("POST", "/experiments", {"name": f"fuzz-{label}"})
        run = call("POST", "/runs", {"experiment_id": experiment["experiment_id"]})
        call("POST", f"/runs/{run['run_id']}/log", {"metrics": [{"key": "loss", "value": 0.5}]})
        call("PUT", f"/runs/{run['run_id']}/artifacts/notes.txt", data=b"notes")
        ids[f"{label}_experiment"] = experiment["experiment_id"]
        ids[f"{label}_run"] = run["run_id"]
    save_small_model(workdir / "model")
    for file in sorted(p for p in (workdir / "model").rglob("*") if p.is_file()):
        relative = file.relative_to(workdir / "model").as_posix()
        call("PUT", f"/runs/{ids['kept_run']}/artifacts/model/{relative}", data=file.read_bytes())
    deployment = call("POST", "/deployments", {"name": "fuzz", "run_id": ids["kept_run"]})
    assert deployment["status"] == "healthy", deployment
    return ids


@pytest.fixture(scope="module")
def lab_report(lab_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> FuzzReport:
    base, headers = _lab_api(lab_server)
    ids = _resources(base, headers, tmp_path_factory.mktemp("fuzz-model"))
    kept = {"experiment_id": ids["kept_experiment"], "run_id": ids["kept_run"]}
    # Reads, scoring and key creation use the serving deployment; what stops, restarts,
    # redeploys or deletes gets a name that is not deployed (each would start processes).
    changes = {
        "experiment_id": ids["deleted_experiment"],
        "run_id": ids["deleted_run"],
        "name": "not-deployed",
    }
    return run_schemathesis(
        f"{base}/openapi.json",
        {
            "base-url": base,
            "headers": headers,
            "parameters": {**kept, "key": "loss", "name": "fuzz"},
            "operations": [
                {"include-method": "DELETE", "parameters": changes},
                {
                    "include-method": "PATCH",
                    "include-path-regex": "^/deployments/",
                    "parameters": changes,
                },
                {"include-path": "/deployments/{name}/versions", "parameters": changes},
            ],
        },
    )


def test_the_fuzzed_document_is_the_served_one(lab_server: ServerProcess) -> None:
    """The operations below are listed from the document the server serves."""
    base, headers = _lab_api(lab_server)
    served = requests.get(f"{base}/openapi.json", headers=headers, timeout=30).json()
    assert served == json.loads(json.dumps(build_openapi(__version__)))


@pytest.mark.parametrize(
    "operation", [op for op in LAB_OPERATIONS if op not in NOT_FUZZED] + [OTHER]
)
def test_platform_api_answers_as_documented(lab_report: FuzzReport, operation: str) -> None:
    # every operation was reached, and the stateful phase ran sequences of them
    if operation not in NOT_REACHED:
        assert lab_report.checks[operation] > 0, "schemathesis did not reach it"
    lab_report.assert_answers_as_documented(operation)


# -- a deployment's own port: the scoring server ----------------------------------------------


@pytest.fixture(scope="module")
def scoring_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzReport]:
    with start_scoring_server(tmp_path_factory.mktemp("fuzz-scoring"), with_keys=True) as server:
        headers = {"Authorization": f"Bearer {server.key}"}
        document = requests.get(f"{server.url}/openapi.json", headers=headers, timeout=30)
        # the fuzzed document is the model's own: its request schema has the model's columns
        assert all(f'"{column}"' in document.text for column in COLUMNS)
        yield run_schemathesis(
            f"{server.url}/openapi.json", {"base-url": server.url, "headers": headers}
        )


@pytest.mark.parametrize("operation", [*SCORING_OPERATIONS, OTHER])
def test_scoring_server_answers_as_documented(scoring_report: FuzzReport, operation: str) -> None:
    if operation not in (OTHER, *NOT_REACHED):
        assert scoring_report.checks[operation] > 0, "schemathesis did not reach it"
    scoring_report.assert_answers_as_documented(operation)
