"""Figures, git state, kernel restarts, and the server-wide switch, in real kernels."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

import pytest

from .notebook_kernel import open_notebook_kernel, read_artifact, wait_for_runs, write_notebook

TRAIN = (
    "from sklearn.datasets import load_iris\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "X, y = load_iris(return_X_y=True)\n"
    "model = LogisticRegression(max_iter=300).fit(X, y)\n"
)


def _git(folder: Any, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=T", *args],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


async def test_figures_git_state_and_gpu_samples(
    jp_fetch: Any,
    jp_ws_fetch: Any,
    jp_root_dir: Any,
    mlp_app: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No GPU here: an nvidia-smi that answers like one with a single GPU.
    tools = tmp_path / "tools"
    tools.mkdir()
    fake = tools / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho '37, 1024'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    repo = jp_root_dir / "repo"
    write_notebook(repo / "nb.ipynb")
    (repo / "features.py").write_text("SCALE = 1\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "remote", "add", "origin", "https://user:secret@example.com/team/repo.git")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    head = _git(repo, "rev-parse", "HEAD")
    (repo / "features.py").write_text("SCALE = 2\n")  # uncommitted
    (repo / "notes.txt").write_text("untracked\n")

    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "repo/nb.ipynb")
    cell = await kernel.run(
        TRAIN + "import matplotlib.pyplot as plt\nplt.plot(model.coef_[0])\nplt.show()",
        cell_id="cell-plot",
    )
    assert cell.ok, cell.reply
    assert any("image/png" in o["content"].get("data", {}) for o in cell.outputs)
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-plot")
    figure = await read_artifact(mlp_app, run.run_id, "figures/figure_1.png")
    assert figure.startswith(b"\x89PNG\r\n\x1a\n")
    assert run.tags["mlflow.source.git.commit"] == head
    assert run.tags["mlflow.source.git.branch"] == "main"
    assert run.tags["mlflow.source.git.repoURL"] == "https://example.com/team/repo.git"
    assert run.tags["mlplatform.git.dirty"] == "true"
    diff = (await read_artifact(mlp_app, run.run_id, "mlplatform/git.diff")).decode()
    assert "-SCALE = 1" in diff and "+SCALE = 2" in diff
    assert "notes.txt" in diff
    assert run.metrics["system/gpu_0_utilization_percent"].value == 37
    assert run.metrics["system/gpu_0_memory_mb"].value == 1024


async def test_tracking_survives_a_kernel_restart(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "restart.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "restart.ipynb")
    await jp_fetch("api", "kernels", kernel.kernel_id, "restart", method="POST", body="")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "restart.ipynb")
    cell = await kernel.run(TRAIN, cell_id="cell-after-restart")
    assert cell.ok, cell.reply
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-after-restart")
    assert run.status.value == "FINISHED"
    assert run.params["max_iter"] == "300"


async def test_the_status_endpoint_follows_the_notebook_metadata(
    jp_root_dir: Any, mlp_api: Any
) -> None:
    write_notebook(jp_root_dir / "on.ipynb")
    write_notebook(jp_root_dir / "off.ipynb", {"mlplatform": {"autolog": False}})
    status, on = await mlp_api("GET", "autolog", path="on.ipynb")
    assert status == 200
    assert on == {
        "enabled": True,
        "reason": None,
        "server_enabled": True,
        "notebook_path": "on.ipynb",
        "experiment_name": "on.ipynb",
        "reproduced_from": None,
    }
    _, off = await mlp_api("GET", "autolog", path="off.ipynb")
    assert (off["enabled"], off["reason"]) == (False, "notebook")
    # The file changes: the switch follows
    write_notebook(jp_root_dir / "off.ipynb", {"mlplatform": {"autolog": True}})
    later = time.time() + 5
    os.utime(jp_root_dir / "off.ipynb", (later, later))
    _, again = await mlp_api("GET", "autolog", path="off.ipynb")
    assert again["enabled"] is True
    # A notebook that does not exist (yet) is on
    _, missing = await mlp_api("GET", "autolog", path="nowhere.ipynb")
    assert missing["enabled"] is True


class TestServerSwitchOff:
    @pytest.fixture
    def mlp_app_config(self, mlp_app_config: dict[str, Any]) -> dict[str, Any]:
        return {**mlp_app_config, "autolog": False}

    async def test_no_kernel_loads_it_and_nothing_is_tracked(
        self, jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any, mlp_api: Any
    ) -> None:
        write_notebook(jp_root_dir / "nb.ipynb")
        kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "nb.ipynb")
        cell = await kernel.run(
            TRAIN + "import sys\n"
            "print('jupyterlab_mlplatform.autolog' in sys.modules)\n"
            "import jupyterlab_mlplatform as mlp\n"
            "with mlp.start_run(name='explicit'):\n"
            "    pass"
        )
        assert cell.ok, cell.reply
        assert cell.stdout.strip() == "False"
        (run,) = await wait_for_runs(mlp_app, 1)
        assert run.name == "explicit"
        _, status = await mlp_api("GET", "autolog", path="nb.ipynb")
        assert (status["enabled"], status["reason"], status["server_enabled"]) == (
            False,
            "server",
            False,
        )
