"""Automatic tracking of XGBoost and LightGBM (native and scikit-learn APIs) in a real kernel."""

from __future__ import annotations

import json
from typing import Any

from .notebook_kernel import open_notebook_kernel, read_artifact, wait_for_runs, write_notebook

DATA = (
    "import numpy as np\n"
    "rng = np.random.default_rng(0)\n"
    "X = rng.normal(size=(400, 5))\n"
    "y = (X[:, 0] + X[:, 1] > 0).astype(int)\n"
)


async def test_xgboost(jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any) -> None:
    write_notebook(jp_root_dir / "xgb.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "xgb.ipynb")
    assert (await kernel.run(DATA)).ok
    native = await kernel.run(
        "import xgboost as xgb\n"
        "train = xgb.DMatrix(X[:300], label=y[:300])\n"
        "valid = xgb.DMatrix(X[300:], label=y[300:])\n"
        "booster = xgb.train({'objective': 'binary:logistic', 'max_depth': 3}, train,\n"
        "                    num_boost_round=25, evals=[(train, 'train'), (valid, 'valid')],\n"
        "                    verbose_eval=False)",
        cell_id="cell-native",
    )
    assert native.ok, native.reply
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-native")
    assert run.tags["mlplatform.library"] == "xgboost"
    # the params passed, and the booster's own defaults
    assert run.params["max_depth"] == "3" and run.params["num_boost_round"] == "25"
    assert run.params["objective"] == "binary:logistic"
    assert "eta" in run.params and "lambda" in run.params
    # every iteration's eval metrics
    for key in ("train-logloss", "valid-logloss"):
        history = await mlp_app.tracking.get_metric_history(run.run_id, key, None)
        assert history.steps == list(range(25))
    train_loss = await mlp_app.tracking.get_metric_history(run.run_id, "train-logloss", None)
    assert train_loss.values[-1] < train_loss.values[0]
    # the model, in XGBoost's own format, predicts as the booster in the kernel
    description = json.loads(
        await read_artifact(mlp_app, run.run_id, "model/mlplatform_model.json")
    )
    assert description["flavor"] == "xgboost" and description["serialization"] == "xgboost-ubj"
    assert description["model_file"] == "model.ubj" and description["created_by"] == "autolog"
    data = await read_artifact(mlp_app, run.run_id, "model/model.ubj")
    check = await kernel.run(
        f"loaded = xgb.Booster(model_file=bytearray({data!r}))\n"
        "print(np.allclose(loaded.predict(valid), booster.predict(valid)))"
    )
    assert check.stdout.strip() == "True", check.reply

    # The scikit-learn API: one run, the estimator's params and the per-round metrics
    wrapped = await kernel.run(
        "clf = xgb.XGBClassifier(n_estimators=15, max_depth=2)\n"
        "clf.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])], verbose=False)",
        cell_id="cell-sklearn-api",
    )
    assert wrapped.ok, wrapped.reply
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-sklearn-api")
    assert run.params["n_estimators"] == "15" and run.params["max_depth"] == "2"
    history = await mlp_app.tracking.get_metric_history(run.run_id, "validation_0-logloss", None)
    assert history.steps == list(range(15))
    assert "training_accuracy_score" in run.metrics
    listing = await mlp_app.tracking.list_artifacts(run.run_id, "model")
    assert {f.path for f in listing.files} == {
        "model/model.ubj",
        "model/mlplatform_model.json",
        "model/requirements.txt",
        "model/input_example.json",
        "model/parity_sample.json",
    }
    description = json.loads(
        await read_artifact(mlp_app, run.run_id, "model/mlplatform_model.json")
    )
    assert description["flavor_options"]["sklearn_class"] == "XGBClassifier"
    # the parity sample: the input example and the 300 training rows
    sample = json.loads(await read_artifact(mlp_app, run.run_id, "model/parity_sample.json"))
    assert description["parity_file"] == "parity_sample.json"
    example = json.loads(await read_artifact(mlp_app, run.run_id, "model/input_example.json"))
    assert sample["rows"] == len(example["dataframe_split"]["data"]) + 300
    check = await kernel.run(
        "import jupyterlab_mlplatform as mlp\n"
        f"package = mlp.load_model('runs:/{run.run_id}/model')\n"
        "print((package.predict(X) == clf.predict(X)).all())"
    )
    assert check.stdout.strip() == "True", check.reply


async def test_lightgbm(jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any) -> None:
    write_notebook(jp_root_dir / "lgb.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "lgb.ipynb")
    assert (await kernel.run(DATA)).ok
    native = await kernel.run(
        "import lightgbm as lgb\n"
        "train = lgb.Dataset(X[:300], label=y[:300])\n"
        "valid = lgb.Dataset(X[300:], label=y[300:], reference=train)\n"
        "booster = lgb.train({'objective': 'binary', 'num_leaves': 7, 'verbose': -1}, train,\n"
        "                    num_boost_round=20, valid_sets=[valid], valid_names=['valid'])",
        cell_id="cell-lgb",
    )
    assert native.ok, native.reply
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-lgb")
    assert run.tags["mlplatform.library"] == "lightgbm"
    assert run.params["num_leaves"] == "7" and run.params["num_boost_round"] == "20"
    assert "learning_rate" in run.params and "min_data_in_leaf" in run.params  # defaults
    history = await mlp_app.tracking.get_metric_history(run.run_id, "valid-binary_logloss", None)
    assert history.steps == list(range(20))
    data = await read_artifact(mlp_app, run.run_id, "model/model.txt")
    check = await kernel.run(
        f"loaded = lgb.Booster(model_str={data.decode()!r})\n"
        "print(np.allclose(loaded.predict(X), booster.predict(X)))"
    )
    assert check.stdout.strip() == "True", check.reply

    wrapped = await kernel.run(
        "clf = lgb.LGBMClassifier(n_estimators=10, num_leaves=5, verbose=-1).fit(X, y)",
        cell_id="cell-lgb-sklearn",
    )
    assert wrapped.ok, wrapped.reply
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-lgb-sklearn")
    assert run.params["n_estimators"] == "10" and run.params["num_leaves"] == "5"
    assert run.metrics["training_accuracy_score"].value > 0.8
