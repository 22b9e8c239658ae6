"""The data dir is private to the server's user whatever the umask: every folder 0700, every
file 0600, after a real run, its artifacts, a deployment with its logs and an API key."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyterlab_mlplatform.deploy.model import save_model
from jupyterlab_mlplatform.private_files import make_private_dir, open_private

COLUMNS = ["a", "b"]
FRAME = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 2)), columns=COLUMNS)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def mlp_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask while the server starts and works (restored after)."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


@pytest.fixture
def mlp_data_dir(tmp_path: Path) -> Path:
    """Not made here: the server creates it, and its missing parent."""
    return tmp_path / "jupyter-data" / "mlplatform"


@pytest.fixture
def mlp_app_config(mlp_data_dir: Path, mlp_umask: int) -> dict[str, Any]:
    return {
        "data_dir": str(mlp_data_dir),
        "events_coalesce_interval": 0.05,
    }


@pytest.fixture
def mlp_deployment_config() -> dict[str, Any]:
    return {
        "forkserver": False,
        "health_interval": 0.5,
    }


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.linear_model import LinearRegression

    path = tmp_path_factory.mktemp("models") / "model"
    save_model(LinearRegression().fit(FRAME, FRAME.a * 2), path, input_example=FRAME.head(2))
    return path


def _modes(root: Path) -> dict[str, str]:
    """Every folder and file under ``root`` (and ``root``), with its permission bits."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


async def test_everything_in_the_data_dir_is_private(
    mlp_api: Any, jp_fetch: Any, mlp_data_dir: Path, model_dir: Path, mlp_umask: int
) -> None:
    # Given a run with a metric and the files of a model package as its artifacts
    status, run = await mlp_api("POST", "runs", {"name": "private"})
    assert status == 201
    run_id = run["run_id"]
    status, _ = await mlp_api(
        "POST", f"runs/{run_id}/log", {"metrics": [{"key": "loss", "value": 0.5, "step": 1}]}
    )
    assert status == 200
    for file in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        relative = file.relative_to(model_dir).as_posix()
        path = f"runs/{run_id}/artifacts/model/{relative}"
        status, _ = await mlp_api("PUT", path, raw=file.read_bytes())
        assert status == 201
    status, _ = await mlp_api("PUT", f"runs/{run_id}/artifacts/notes/deep/a.txt", raw=b"hi")
    assert status == 201
    # ... deployed (a model copy, a scoring server writing its log), with an API key
    status, created = await mlp_api("POST", "deployments", {"name": "private", "run_id": run_id})
    assert status == 201, created
    try:
        body = {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 2.0]]}}
        response = await jp_fetch(
            "mlplatform", "api", "deployments", "private", "invocations",
            method="POST", body=json.dumps(body), headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert response.code == 200
        status, key = await mlp_api("POST", "deployments/private/keys", {"name": "ci"})
        assert status == 201, key

        # Then every folder the platform made is 0700 and every file 0600, the database's
        # write-ahead log and shared memory included, whatever the umask was
        modes = _modes(mlp_data_dir)
        for expected in (
            "tracking.db",
            "tracking.db-wal",
            "tracking.db-shm",
            "deployments/private/server.log",
            "deployments/private/keys",
            "deployments/private/v1/model/mlplatform_model.json",
        ):
            assert expected in modes, sorted(modes)
        assert any(name.endswith("notes/deep/a.txt") for name in modes), sorted(modes)
        wrong = {
            name: mode
            for name, mode in modes.items()
            if mode != ("0o700" if (mlp_data_dir / name).is_dir() else "0o600")
        }
        assert wrong == {}, wrong
        # ... and so is the folder it made above the data dir
        assert stat.S_IMODE(mlp_data_dir.parent.stat().st_mode) == 0o700
    finally:
        await mlp_api("DELETE", "deployments/private")
    await asyncio.sleep(0)


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_helpers_ignore_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        folder = make_private_dir(tmp_path / "a" / "b")
        with open_private(folder / "f.txt", "w") as file:
            file.write("x")
        with open_private(folder / "f.txt", "a") as file:
            file.write("y")
        (folder / "g.bin").write_bytes(b"")
        os.chmod(folder / "g.bin", 0o644)
        with open_private(folder / "g.bin", "wb") as file:  # an existing file is made private
            file.write(b"z")
    finally:
        os.umask(previous)
    assert (folder / "f.txt").read_text() == "xy"
    for path, mode in [
        (tmp_path / "a", 0o700),
        (folder, 0o700),
        (folder / "f.txt", 0o600),
        (folder / "g.bin", 0o600),
    ]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    with pytest.raises(ValueError):
        open_private(folder / "f.txt", "r")
