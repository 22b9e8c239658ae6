"""A run reopened as a notebook, rerun in a real kernel: the new run says what it reproduces."""

from __future__ import annotations

import json
from typing import Any

from .notebook_kernel import open_notebook_kernel, wait_for_runs, write_notebook

DATA = "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\n"
TRAIN = (
    "from sklearn.linear_model import LogisticRegression\n"
    "model = LogisticRegression(max_iter=300).fit(X, y)\n"
)


async def test_the_reopened_notebook_makes_a_run_tagged_reproduced_from(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any, mlp_api: Any
) -> None:
    # Given a run autologged from a notebook's cell, after a cell that loads the data
    write_notebook(jp_root_dir / "work" / "train.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "work/train.ipynb")
    assert (await kernel.run(DATA, cell_id="cell-data")).ok
    assert (await kernel.run(TRAIN, cell_id="cell-train")).ok
    (original,) = await wait_for_runs(mlp_app, 1, cell_id="cell-train")

    # When it is reopened as a notebook, saved next to its source, and run cell by cell
    status, reopened = await mlp_api("GET", f"runs/{original.run_id}/notebook")
    assert status == 200
    path = f"{reopened['directory']}/{reopened['file_name']}"
    await jp_fetch(
        "api",
        "contents",
        *path.split("/"),
        method="PUT",
        body=json.dumps({"type": "notebook", "format": "json", "content": reopened["notebook"]}),
    )
    again = await open_notebook_kernel(jp_fetch, jp_ws_fetch, path)
    cells = [c for c in reopened["notebook"]["cells"] if c["cell_type"] == "code"]
    outputs = []
    for cell in cells:
        done = await again.run(cell["source"], cell_id=cell["id"])
        assert done.ok, done.reply
        outputs.append(done.stdout)

    # Then the package check ran (same environment: nothing differs) and the training cell
    # made a new run tagged with the run it reproduces
    assert "This kernel has the run's package versions." in outputs[0]
    assert cells[-1]["source"].rstrip() == TRAIN.rstrip()
    (reproduction,) = await wait_for_runs(
        mlp_app, 1, filter=f"tags.`mlplatform.reproduced_from` = '{original.run_id}'"
    )
    assert reproduction.run_id != original.run_id
    assert reproduction.source.notebook_path == path
    assert reproduction.params["max_iter"] == "300"


async def test_the_status_names_the_reproduced_run_only_when_it_looks_like_one(
    jp_root_dir: Any, mlp_api: Any
) -> None:
    write_notebook(jp_root_dir / "a.ipynb", {"mlplatform": {"reproduced_from": "0af3-9c"}})
    write_notebook(jp_root_dir / "b.ipynb", {"mlplatform": {"reproduced_from": "x' OR '1"}})
    write_notebook(jp_root_dir / "c.ipynb", {"mlplatform": {"reproduced_from": {"a": 1}}})
    _, a = await mlp_api("GET", "autolog", path="a.ipynb")
    assert (a["enabled"], a["reproduced_from"]) == (True, "0af3-9c")
    for name in ("b.ipynb", "c.ipynb"):
        _, other = await mlp_api("GET", "autolog", path=name)
        assert (other["enabled"], other["reproduced_from"]) == (True, None)
