"""``GET runs/{run_id}/notebook``: a run's captured code as a notebook, through the server."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import sys
from typing import Any

import nbformat
import pytest


@pytest.fixture
def mlp_app_config(mlp_app_config: dict[str, Any], mlp_store_uri: str) -> dict[str, Any]:
    """The server on each tracking store (SQLite, PostgreSQL)."""
    return {**mlp_app_config, "tracking_uri": mlp_store_uri}


CODE_PATH = (
    "# The cells this kernel executed before the run's cell, oldest first.\n"
    "# 3 cell(s); each '# %%' line gives its execution count and cell id.\n"
    "\n"
    "# %% In [1] cell cell-load\n"
    "import numpy as np\n"
    "X = np.arange(10).reshape(5, 2)\n"
    "\n"
    "# %% In [2] cell unknown\n"
    "scale = 2\n"
    "\n"
    "# %% In [3] cell cell-load\n"
    "X = X * scale\n"
    "\n"
)
CELL = "model = fit(X)\nprint(model)\n"


async def _run_with_code(mlp_api: Any, extra: dict[str, str] | None = None, **source: Any) -> str:
    _, run = await mlp_api(
        "POST",
        "runs",
        {
            "experiment_name": "work/train.ipynb",
            "name": "brave-fox-1",
            "tags": {"mlflow.source.git.commit": "abc123", "mlplatform.git.dirty": "false"},
            "source": source,
        },
    )
    rid = run["run_id"]
    for path, text in [
        ("mlplatform/code_path.py", CODE_PATH),
        ("mlplatform/cell.py", CELL),
        ("mlplatform/requirements.txt", "numpy==0.0.1\nnot-a-package-here==1.0\n"),
        *(extra or {}).items(),
    ]:
        status, _ = await mlp_api("PUT", f"runs/{rid}/artifacts/{path}", raw=text.encode())
        assert status == 201
    return str(rid)


async def test_the_notebook_holds_the_code_path_in_order_and_the_training_cell_last(
    mlp_api: Any,
) -> None:
    # Given a run with a captured code path
    rid = await _run_with_code(mlp_api, notebook_path="work/train.ipynb", cell_id="cell-train")
    # When
    status, body = await mlp_api("GET", f"runs/{rid}/notebook")
    # Then
    assert status == 200
    assert body["directory"] == "work"
    assert body["file_name"] == "train-brave-fox-1-reproduce.ipynb"
    notebook = nbformat.from_dict(body["notebook"])
    nbformat.validate(notebook)
    assert notebook.metadata["mlplatform"] == {"reproduced_from": rid}
    header, check, *steps = notebook.cells
    assert header.cell_type == "markdown"
    for text in (rid, "brave-fox-1", "`work/train.ipynb`", "`cell-train`", "`abc123`"):
        assert text in header.source
    assert check.metadata["mlplatform"]["role"] == "environment-check"
    assert "not-a-package-here==1.0" in check.source
    assert [cell.source for cell in steps] == [
        "import numpy as np\nX = np.arange(10).reshape(5, 2)",
        "scale = 2",
        "X = X * scale",
        "model = fit(X)\nprint(model)",
    ]
    assert [cell.metadata["mlplatform"].get("execution_count") for cell in steps] == [
        1,
        2,
        3,
        None,
    ]
    assert steps[-1].metadata["mlplatform"]["role"] == "training"
    # The source cell ids are kept where they are free (the Code tab aligns by id)
    assert steps[0].id == "cell-load" and steps[-1].id == "cell-train"
    assert len({cell.id for cell in notebook.cells}) == len(notebook.cells)


async def test_the_json_code_path_wins_over_the_script(mlp_api: Any) -> None:
    # Given a run whose code path JSON holds a cell with a line that reads like a header of
    # the percent-format script (which would split it there)
    tricky = "print(1)\n# %% In [9] cell not-a-cell\nprint(2)"
    cells = {
        "cells": [
            {"execution_count": 4, "cell_id": "cell-a", "source": tricky},
            {"execution_count": 5, "cell_id": None, "source": "y = 1\n"},
        ]
    }
    rid = await _run_with_code(
        mlp_api, {"mlplatform/code_path.json": json.dumps(cells)}, cell_id="cell-train"
    )
    # When
    _, body = await mlp_api("GET", f"runs/{rid}/notebook")
    # Then the cells are the JSON's, whole, and the script is not read
    steps = body["notebook"]["cells"][2:]
    assert [cell["source"] for cell in steps] == [tricky, "y = 1", "model = fit(X)\nprint(model)"]
    assert [cell["metadata"]["mlplatform"].get("execution_count") for cell in steps] == [
        4,
        5,
        None,
    ]
    assert steps[0]["id"] == "cell-a"


async def test_an_unreadable_json_code_path_falls_back_on_the_script(mlp_api: Any) -> None:
    rid = await _run_with_code(mlp_api, {"mlplatform/code_path.json": "[" * 500})
    _, body = await mlp_api("GET", f"runs/{rid}/notebook")
    assert [cell["source"] for cell in body["notebook"]["cells"][2:4]] == [
        "import numpy as np\nX = np.arange(10).reshape(5, 2)",
        "scale = 2",
    ]


async def test_an_unknown_source_goes_to_the_root(mlp_api: Any) -> None:
    rid = await _run_with_code(mlp_api)
    status, body = await mlp_api("GET", f"runs/{rid}/notebook")
    assert status == 200
    assert body["directory"] == ""
    assert body["file_name"] == "brave-fox-1-reproduce.ipynb"
    assert "| Source notebook | unknown |" in body["notebook"]["cells"][0]["source"]


async def test_a_run_without_captured_code_is_a_clear_404(mlp_api: Any) -> None:
    _, run = await mlp_api("POST", "runs", {"experiment_name": "manual", "name": "by-hand"})
    status, body = await mlp_api("GET", f"runs/{run['run_id']}/notebook")
    assert status == 404
    assert "no captured code" in body["message"]
    status, body = await mlp_api("GET", "runs/no-such-run/notebook")
    assert status == 404 and body["message"]


async def test_the_package_check_prints_what_differs(mlp_api: Any) -> None:
    # Given the check cell of a run whose numpy pin is not this environment's
    rid = await _run_with_code(mlp_api)
    _, body = await mlp_api("GET", f"runs/{rid}/notebook")
    check = body["notebook"]["cells"][1]["source"]
    # When it runs in a Python of this environment
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", check, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    # Then
    assert process.returncode == 0
    printed = out.decode()
    assert printed.startswith("2 package(s) differ from the run's:")
    assert f"numpy: run 0.0.1, here {importlib.metadata.version('numpy')}" in printed
    assert "not-a-package-here: run 1.0, here not installed" in printed


async def test_the_run_view_finds_reproductions_by_their_tag(mlp_api: Any) -> None:
    # Given a run and one that reproduces it (as autolog tags it)
    rid = await _run_with_code(mlp_api)
    _, again = await mlp_api(
        "POST",
        "runs",
        {"experiment_name": "again", "tags": {"mlplatform.reproduced_from": rid}},
    )
    await mlp_api("POST", "runs", {"experiment_name": "other"})
    # When the run view searches with its filter (src/api/tracking.ts reproductionsFilter)
    status, page = await mlp_api(
        "POST", "runs/search", {"filter": f"tags.`mlplatform.reproduced_from` = '{rid}'"}
    )
    # Then
    assert status == 200
    assert [run["run_id"] for run in page["runs"]] == [again["run_id"]]
