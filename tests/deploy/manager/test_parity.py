"""The parity check of deployments, through the REST API of a real Jupyter server and real
scoring servers: a model deploys with its parity sample checked, a package whose model file
was swapped for another model is refused (a new version: the old one keeps serving), and a
package from before parity samples deploys as not checked.  Then the comparison's rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyterlab_mlplatform.deploy.model import load_model, save_model
from jupyterlab_mlplatform.deploy.model.parity import ATOL, PARITY_FILE, RTOL, compare

from .test_manager import _invoke, _log_model

RNG = np.random.default_rng(7)
COLUMNS = ["a", "b", "c"]
FRAME = pd.DataFrame(RNG.normal(size=(1500, 3)), columns=COLUMNS)
EXAMPLE = FRAME.head(3)
ROWS = FRAME.tail(8)
BODY = {"dataframe_split": {"columns": COLUMNS, "data": ROWS.to_numpy().tolist()}}


def _fit(target: pd.Series) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression().fit(FRAME, target)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``good``: a classifier with its parity sample; ``swapped``: the same package with the
    model file of another fitted classifier; ``older``: ``good`` without a parity sample, as
    packages were written before it; ``regressor``: floats, with its parity sample."""
    from sklearn.linear_model import Ridge

    root = tmp_path_factory.mktemp("parity")
    good, other = root / "good", root / "other"
    save_model(_fit((FRAME.a > 0).astype(int)), good, input_example=EXAMPLE, training_data=FRAME)
    save_model(_fit((FRAME.b > 0).astype(int)), other, input_example=EXAMPLE)
    swapped = root / "swapped"
    shutil.copytree(good, swapped)
    shutil.copyfile(other / "model.skops", swapped / "model.skops")
    older = root / "older"
    shutil.copytree(good, older)
    (older / PARITY_FILE).unlink()
    description = json.loads((older / "mlplatform_model.json").read_text())
    del description["parity_file"]
    (older / "mlplatform_model.json").write_text(json.dumps(description))
    regressor = root / "regressor"
    model = Ridge().fit(FRAME, FRAME.a * 3.0 - FRAME.c)
    save_model(model, regressor, input_example=EXAMPLE, training_data=FRAME)
    return {"good": good, "swapped": swapped, "older": older, "regressor": regressor}


def test_the_package_keeps_the_example_and_1000_training_rows_with_their_predictions(
    packages: dict[str, Path],
) -> None:
    sample = json.loads((packages["good"] / PARITY_FILE).read_text())
    assert sample["rows"] == 3 + 1000
    assert sample["request"]["dataframe_split"]["columns"] == COLUMNS
    assert len(sample["request"]["dataframe_split"]["data"]) == 1003
    expected = load_model(packages["good"]).raw.predict(
        pd.concat([EXAMPLE, FRAME.head(1000)], ignore_index=True)
    )
    assert sample["predictions"] == expected.tolist()
    assert (sample["rtol"], sample["atol"]) == (RTOL, ATOL)


async def test_a_deployment_reports_its_parity_check(
    mlp_api: Any, packages: dict[str, Path]
) -> None:
    # Given runs with a classifier and a regressor, each with a parity sample
    labels = await _log_model(mlp_api, packages["good"])
    floats = await _log_model(mlp_api, packages["regressor"])

    # When they are deployed (the regressor as a second version)
    status, created = await mlp_api("POST", "deployments", {"name": "labels", "run_id": labels})
    assert status == 201 and created["status"] == "healthy", created
    status, redeployed = await mlp_api("POST", "deployments/labels/versions", {"run_id": floats})
    assert status == 200, redeployed

    # Then each version reports its check: every row, labels exactly, floats within tolerance
    first = created["parity"]
    assert first["status"] == "ok" and first["rows"] == 1003, first
    assert first["max_abs_diff"] == 0 and first["differing_rows"] == []
    second = redeployed["parity"]
    assert second["status"] == "ok" and second["rows"] == 1003, second
    assert second["max_abs_diff"] <= ATOL + RTOL * 10
    assert [v["parity"]["status"] for v in redeployed["versions"]] == ["ok", "ok"]
    assert redeployed["versions"][0]["parity"] == first
    _, listed = await mlp_api("GET", "deployments/labels")
    assert listed["parity"] == second


async def test_a_swapped_model_is_refused_and_the_old_version_keeps_serving(
    mlp_api: Any, jp_fetch: Any, packages: dict[str, Path]
) -> None:
    # Given a serving deployment of the good package, and a run whose package's model file
    # was swapped for another fitted model
    good = await _log_model(mlp_api, packages["good"])
    swapped = await _log_model(mlp_api, packages["swapped"])
    status, created = await mlp_api("POST", "deployments", {"name": "churn", "run_id": good})
    assert status == 201 and created["status"] == "healthy", created
    _, before = await _invoke(jp_fetch, "churn", BODY)

    # When the swapped package is deployed as a new version
    status, refused = await mlp_api("POST", "deployments/churn/versions", {"run_id": swapped})

    # Then it is refused, saying which rows differ, and version 1 still serves
    sample = pd.concat([EXAMPLE, FRAME.head(1000)], ignore_index=True)
    differ = np.flatnonzero(
        load_model(packages["good"]).predict(sample)
        != load_model(packages["swapped"]).predict(sample)
    ).tolist()
    assert len(differ) > 100
    shown = ", ".join(str(i) for i in differ[:10])
    assert status == 422, refused
    assert f"Parity check failed: {len(differ)} of 1003 rows differ" in refused["message"]
    assert f"(rows {shown} ...; max abs difference 1.0)" in refused["message"]
    _, deployment = await mlp_api("GET", "deployments/churn")
    assert deployment["status"] == "healthy" and deployment["version"] == 1
    assert [v["version"] for v in deployment["versions"]] == [1]
    assert deployment["parity"]["status"] == "ok"
    code, after = await _invoke(jp_fetch, "churn", BODY)
    assert code == 200 and after == before
    assert after["predictions"] == load_model(packages["good"]).predict(ROWS).tolist()

    # And as a new deployment it fails with the check's result
    status, failed = await mlp_api("POST", "deployments", {"name": "swapped", "run_id": swapped})
    assert status == 201 and failed["status"] == "failed", failed
    assert "PARITY_MISMATCH" in failed["error"]
    parity = failed["parity"]
    assert parity["status"] == "mismatch" and parity["rows"] == 1003
    assert parity["differing_count"] == len(differ) and parity["differing_rows"] == differ[:10]
    assert parity["max_abs_diff"] == 1
    assert failed["versions"][0]["parity"] == parity


async def test_a_package_without_a_parity_sample_deploys_not_checked(
    mlp_api: Any, jp_fetch: Any, packages: dict[str, Path]
) -> None:
    run_id = await _log_model(mlp_api, packages["older"])

    status, created = await mlp_api("POST", "deployments", {"name": "older", "run_id": run_id})

    assert status == 201 and created["status"] == "healthy", created
    assert created["parity"]["status"] == "not_checked" and created["parity"]["rows"] == 0
    code, _ = await _invoke(jp_fetch, "older", BODY)
    assert code == 200


def test_a_scoring_server_that_refuses_the_sample_exits_before_serving(
    packages: dict[str, Path], tmp_path: Path
) -> None:
    # Given a package whose parity sample lacks a column the signature requires
    folder = tmp_path / "refused"
    shutil.copytree(packages["good"], folder)
    sample = json.loads((folder / PARITY_FILE).read_text())
    split = sample["request"]["dataframe_split"]
    split["columns"], split["data"] = ["a", "b"], [row[:2] for row in split["data"]]
    (folder / PARITY_FILE).write_text(json.dumps(sample))

    # When a scoring server is started for it
    done = subprocess.run(
        [sys.executable, "-m", "jupyterlab_mlplatform.deploy.serving", "--model-dir",
         str(folder), "--host", "127.0.0.1", "--port", "0"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    # Then it reports the failed check and exits with status 5, never ready
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 5, done.stderr
    assert [e["event"] for e in events] == ["parity_failed"]
    assert events[0]["error_code"] == "PARITY_MISMATCH"
    assert "refused the sample" in events[0]["message"] and "'c'" in events[0]["message"]
    assert events[0]["parity"]["status"] == "mismatch" and events[0]["parity"]["rows"] == 1003


@pytest.mark.parametrize(
    ("expected", "actual", "status", "differing"),
    [
        ([1, 2, 3], [1, 2, 3], "ok", []),
        ([1, 2, 3], [1, 2, 4], "mismatch", [2]),
        (["a", "b"], ["a", "c"], "mismatch", [1]),
        ([True, False], [True, True], "mismatch", [1]),
        ([1.0, 2.0], [1.0 + 1e-12, 2.0 * (1 + 1e-7)], "ok", []),
        ([1.0, 2.0], [1.0, 2.0 * (1 + 1e-5)], "mismatch", [1]),
        ([0.0, 0.0], [5e-10, 2e-9], "mismatch", [1]),
        ([[0.1, 0.9], [0.7, 0.3]], [[0.1, 0.9], [0.7, 0.31]], "mismatch", [1]),
        ([{"p": 1.0, "y": "a"}], [{"p": 1.0, "y": "b"}], "mismatch", [0]),
        ([1, 2], [1, 2, 3], "mismatch", [0, 1]),
    ],
)
def test_compare_is_exact_for_labels_and_within_tolerance_for_floats(
    expected: Any, actual: Any, status: str, differing: list[int]
) -> None:
    result = compare(expected, actual, rows=len(expected))

    assert result["status"] == status
    assert result["differing_rows"] == differing
