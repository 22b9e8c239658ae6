"""Automatic tracking of scikit-learn in a real notebook kernel started by the server."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from jupyterlab_mlplatform.tracking.models import SearchRuns

from .notebook_kernel import open_notebook_kernel, read_artifact, wait_for_runs, write_notebook

DATA = "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)"


async def test_a_training_cell_becomes_a_run_with_everything_captured(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "work" / "train.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "work/train.ipynb")
    # Cells that do not train make no run: data loading, a transformer on its own.
    setup = await kernel.run(DATA, cell_id="cell-data")
    assert setup.ok, setup.reply
    scaled_cell = (
        "from sklearn.preprocessing import StandardScaler\nXs = StandardScaler().fit_transform(X)"
    )
    scaled = await kernel.run(scaled_cell, cell_id="cell-scale")
    assert scaled.ok, scaled.reply
    # When a cell trains a model
    training_cell = textwrap.dedent("""
        from sklearn.linear_model import LogisticRegression
        model = LogisticRegression(C=0.5, max_iter=500)
        model.fit(Xs, y)
        print("trained", model.score(Xs, y) > 0.9)
    """).strip()
    trained = await kernel.run(training_cell, cell_id="cell-train")
    assert trained.ok, trained.reply
    assert "trained True" in trained.stdout
    assert "Automatic tracking failed" not in trained.stderr

    # Then it is one finished run in the notebook's experiment
    (run,) = await wait_for_runs(mlp_app, 1)
    assert run.status.value == "FINISHED"
    experiment = await mlp_app.tracking.get_experiment(run.experiment_id)
    assert experiment.name == "work/train.ipynb"
    assert run.source.notebook_path == "work/train.ipynb"
    assert run.source.cell_id == "cell-train"
    assert run.source.kernel_id == kernel.kernel_id
    assert run.tags["mlplatform.autolog"] == "true"
    assert run.tags["mlplatform.library"] == "sklearn"
    # with every estimator param, defaults included
    assert run.params["C"] == "0.5" and run.params["max_iter"] == "500"
    assert run.params["tol"] == "0.0001" and run.params["fit_intercept"] == "True"
    # and the training metrics
    assert 0.9 < run.metrics["training_score"].value <= 1.0
    for key in ("accuracy", "precision", "recall", "f1"):
        assert 0.9 < run.metrics[f"training_{key}_score"].value <= 1.0
    assert run.metrics["training_log_loss"].value > 0
    assert run.metrics["system/cell_duration_s"].value > 0
    assert "system/cpu_percent" in run.metrics and "system/memory_rss_mb" in run.metrics

    # The cell, and the cells run before it in order, with their ids
    cell = (await read_artifact(mlp_app, run.run_id, "mlplatform/cell.py")).decode()
    assert cell == training_cell
    code_path = (await read_artifact(mlp_app, run.run_id, "mlplatform/code_path.py")).decode()
    assert code_path.index("cell cell-data") < code_path.index("cell cell-scale")
    assert "load_iris" in code_path and "StandardScaler" in code_path
    assert "LogisticRegression" not in code_path
    cells = json.loads(await read_artifact(mlp_app, run.run_id, "mlplatform/code_path.json"))
    assert [(c["cell_id"], c["source"]) for c in cells["cells"]] == [
        ("cell-data", DATA),
        ("cell-scale", scaled_cell),
    ]
    assert [c["execution_count"] for c in cells["cells"]] == sorted(
        c["execution_count"] for c in cells["cells"]
    )
    output = (await read_artifact(mlp_app, run.run_id, "mlplatform/output.txt")).decode()
    assert "trained True" in output
    environment = json.loads(
        await read_artifact(mlp_app, run.run_id, "mlplatform/environment.json")
    )
    assert environment["python"]["version"].startswith("3.")
    assert "scikit-learn" in environment["packages"]
    requirements = await read_artifact(mlp_app, run.run_id, "mlplatform/requirements.txt")
    assert b"scikit-learn==" in requirements

    # The model, in skops' safe format, predicts as the one in the kernel
    description = json.loads(
        await read_artifact(mlp_app, run.run_id, "model/mlplatform_model.json")
    )
    assert description["flavor"] == "sklearn" and description["serialization"] == "skops"
    assert description["created_by"] == "autolog" and description["run_id"] == run.run_id
    # a signature from the first rows of the training data, which are the input example
    assert len(description["signature"]["inputs"]) == 4
    assert {c["type"] for c in description["signature"]["inputs"]} == {"double"}
    assert description["signature"]["outputs"] == [{"name": None, "type": "long", "required": True}]
    example = json.loads(await read_artifact(mlp_app, run.run_id, "model/input_example.json"))
    assert len(example["dataframe_split"]["data"]) == 5
    pins = await read_artifact(mlp_app, run.run_id, "model/requirements.txt")
    assert pins.startswith(b"scikit-learn==") and b"skops==" in pins
    data = await read_artifact(mlp_app, run.run_id, "model/model.skops")
    check = await kernel.run(
        "import skops.io\n"
        f"loaded = skops.io.loads({data!r}, trusted={description['trusted_types']!r})\n"
        "print((loaded.predict(Xs) == model.predict(Xs)).all())\n"
        "import jupyterlab_mlplatform as mlp\n"
        f"package = mlp.load_model('runs:/{run.run_id}/model')\n"
        "print((package.predict(Xs) == model.predict(Xs)).all())"
    )
    assert check.ok, check.reply
    assert check.stdout.split() == ["True", "True"]

    # and its parity sample holds the example and the training rows (all 150 of iris),
    # with the in-kernel model's predictions for them
    sample = json.loads(await read_artifact(mlp_app, run.run_id, "model/parity_sample.json"))
    assert description["parity_file"] == "parity_sample.json"
    assert sample["rows"] == 5 + 150
    assert sample["request"]["dataframe_split"]["data"][5:10] == example["dataframe_split"]["data"]
    same = await kernel.run(
        f"print({sample['predictions']!r} == model.predict(Xs[:5]).tolist() "
        "+ model.predict(Xs).tolist())"
    )
    assert same.ok and same.stdout.split() == ["True"], same.reply


async def test_grouped_fits_pipelines_and_searches(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "group.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "group.ipynb")
    assert (await kernel.run(DATA)).ok
    # Several training calls in one cell: one run, a training score per call, two models
    two = await kernel.run(
        "from sklearn.tree import DecisionTreeClassifier\n"
        "a = DecisionTreeClassifier(max_depth=1).fit(X, y)\n"
        "b = DecisionTreeClassifier(max_depth=3).fit(X, y)",
        cell_id="cell-two",
    )
    assert two.ok, two.reply
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-two")
    history = await mlp_app.tracking.get_metric_history(run.run_id, "training_score", None)
    assert history.steps == [0, 1]
    assert history.values[0] < history.values[1]  # the deeper tree fits better
    assert run.params["max_depth"] == "1"
    assert run.params["DecisionTreeClassifier_2.max_depth"] == "3"
    listing = await mlp_app.tracking.list_artifacts(run.run_id, "")
    names = {f.path for f in listing.files}
    assert {"model", "model_2"} <= names

    # A Pipeline is one training call, with its steps' params
    pipe = await kernel.run(
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.svm import SVC\n"
        "pipe = make_pipeline(StandardScaler(), SVC(C=2.0)).fit(X, y)",
        cell_id="cell-pipe",
    )
    assert pipe.ok, pipe.reply
    runs = await wait_for_runs(mlp_app, 1, cell_id="cell-pipe")
    assert len(runs) == 1
    assert runs[0].params["svc__C"] == "2.0"
    assert runs[0].params["standardscaler__with_mean"] == "True"
    assert "training_score" in runs[0].metrics

    # A search: the parent run has the best params, each candidate is a child run
    search = await kernel.run(
        "from sklearn.model_selection import GridSearchCV\n"
        "from sklearn.neighbors import KNeighborsClassifier\n"
        "grid = GridSearchCV(KNeighborsClassifier(), {'n_neighbors': [1, 5, 15]}, cv=3)\n"
        "grid.fit(X, y)",
        cell_id="cell-grid",
    )
    assert search.ok, search.reply
    # the parent and its 3 children all come from the cell that ran the search
    from_cell = await wait_for_runs(mlp_app, 4, cell_id="cell-grid")
    (parent,) = [r for r in from_cell if "mlflow.parentRunId" not in r.tags]
    children = await wait_for_runs(mlp_app, 3, f"tags.`mlflow.parentRunId` = '{parent.run_id}'")
    assert {c.run_id for c in children} == {r.run_id for r in from_cell} - {parent.run_id}
    assert sorted(c.params["n_neighbors"] for c in children) == ["1", "15", "5"]
    assert all("mean_test_score" in c.metrics for c in children)
    assert all(c.experiment_id == parent.experiment_id for c in children)
    assert parent.params["best_n_neighbors"] in ("1", "5", "15")
    assert parent.metrics["best_cv_score"].value > 0.8
    assert parent.tags["mlplatform.search.candidates"] == "3"
    # the candidates' own fits are part of the search, not runs of their own
    page = await mlp_app.tracking.search_runs(SearchRuns(max_results=100))
    assert len(page.runs) == 1 + 1 + 1 + 3


async def test_explicit_runs_win_and_failures_stay_the_users(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "explicit.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "explicit.ipynb")
    assert (await kernel.run(DATA)).ok
    # An explicit run takes the training's params and metrics; autolog makes none
    explicit = await kernel.run(
        "import jupyterlab_mlplatform as mlp\n"
        "from sklearn.linear_model import Ridge\n"
        "with mlp.start_run(name='mine') as mine:\n"
        "    Ridge(alpha=3.0).fit(X, y)\n"
        "    mlp.log_metric('custom', 1.5)\n"
        "Ridge(alpha=5.0).fit(X, y)  # after the block: a run of its own\n",
        cell_id="cell-explicit",
    )
    assert explicit.ok, explicit.reply
    runs = await wait_for_runs(mlp_app, 2, cell_id="cell-explicit")
    (run,) = [r for r in runs if r.name == "mine"]
    (after,) = [r for r in runs if r.name != "mine"]
    assert after.params["alpha"] == "5.0" and after.tags["mlplatform.autolog"] == "true"
    assert run.status.value == "FINISHED"
    assert run.params["alpha"] == "3.0"
    assert "training_r2_score" in run.metrics and "custom" in run.metrics
    assert "mlplatform.autolog" not in run.tags

    # A fit that raises: the user's exception, unchanged; the run is FAILED
    failing = await kernel.run(
        "from sklearn.linear_model import LogisticRegression\n"
        "LogisticRegression().fit([[1.0], [2.0]], [0, 0])",
        cell_id="cell-fails",
    )
    assert failing.reply["status"] == "error"
    assert failing.reply["ename"] == "ValueError"
    (failed,) = await wait_for_runs(mlp_app, 1, cell_id="cell-fails")
    assert failed.status.value == "FAILED"

    # A hook that fails: a warning, and the cell's result is untouched
    broken = await kernel.run(
        textwrap.dedent("""
        from sklearn.base import BaseEstimator, ClassifierMixin
        class Stubborn(ClassifierMixin, BaseEstimator):
            def fit(self, X, y):
                self.fitted_ = True
                return self
            def predict(self, X):
                return [0] * len(X)
            def get_params(self, deep=True):
                raise RuntimeError("no params today")
        fitted = Stubborn().fit(X, y)
        print("fitted", fitted.fitted_)
        """),
        cell_id="cell-broken",
    )
    assert broken.ok, broken.reply
    assert broken.stdout.strip() == "fitted True"
    assert "Automatic tracking failed" in broken.stderr
    assert "no params today" in broken.stderr
    (stubborn,) = await wait_for_runs(mlp_app, 1, cell_id="cell-broken")
    assert stubborn.status.value == "FINISHED"


async def test_the_notebook_switch_turns_tracking_off(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "off.ipynb", {"mlplatform": {"autolog": False}})
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "off.ipynb")
    cell = await kernel.run(
        DATA + "\nfrom sklearn.linear_model import LogisticRegression\n"
        "LogisticRegression(max_iter=300).fit(X, y)\n"
        "import jupyterlab_mlplatform as mlp\n"
        "with mlp.start_run(name='after'):\n"
        "    pass"
    )
    assert cell.ok, cell.reply
    # The explicit run is there (the switch is about automatic runs), no automatic one
    (run,) = await wait_for_runs(mlp_app, 1)
    assert run.name == "after" and run.params == {}
