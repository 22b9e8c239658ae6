"""The model package with the real libraries: each flavor saved with an input example, its
metadata, signature, pinned requirements and files; loaded back in a fresh interpreter,
it predicts as the model did."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pandas as pd
import pytest

from jupyterlab_mlplatform.deploy.model import (
    METADATA_FILE,
    ModelMetadata,
    ModelPackageError,
    load_model,
    pinned_requirements,
    save_model,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3))
Y_CLASS = (X[:, 0] + X[:, 1] > 0).astype(int)
Y_REG = X @ np.array([1.0, -2.0, 0.5]) + 0.1
FRAME = pd.DataFrame(X, columns=["f0", "f1", "f2"])


def version(distribution: str) -> str:
    return importlib.metadata.version(distribution)


def sklearn_models() -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "sk_estimator": (LogisticRegression().fit(FRAME, Y_CLASS), FRAME),
        "sk_pipeline": (make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y_CLASS), X),
    }


def boosting_models() -> dict[str, Any]:
    import lightgbm as lgb
    import xgboost as xgb

    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2},
        xgb.DMatrix(FRAME, label=Y_CLASS),
        num_boost_round=5,
    )
    classifier = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, Y_CLASS)
    params = {"objective": "regression", "verbose": -1, "min_data_in_leaf": 5}
    lgb_booster = lgb.train(params, lgb.Dataset(FRAME, label=Y_REG), num_boost_round=5)
    regressor = lgb.LGBMRegressor(n_estimators=5, min_child_samples=5, verbose=-1)
    return {
        "xgb_booster": (booster, FRAME),
        "xgb_classifier": (classifier, X),
        "lgb_booster": (lgb_booster, FRAME),
        "lgb_regressor": (regressor.fit(FRAME, Y_REG), FRAME),
    }


def deep_models() -> dict[str, Any]:
    import keras
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X.astype("float32"), Y_CLASS, epochs=1, verbose=0)
    return {"torch_module": (net, X.astype("float32")), "keras_model": (model, X)}


def generic_models() -> dict[str, Any]:
    class Threshold:  # defined here, so cloudpickle keeps it by value
        def __init__(self, column: str, cut: float) -> None:
            self.column, self.cut = column, cut

        def predict(self, df: pd.DataFrame) -> np.ndarray:
            return (df[self.column] > self.cut).to_numpy()

    def double(df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"twice": df["f0"] * 2})

    return {"py_predict": (Threshold("f1", 0.2), FRAME), "py_function": (double, FRAME)}


EXPECTED = {
    # name: (flavor, serialization, model file, predict method)
    "sk_estimator": ("sklearn", "skops", "model.skops", "predict"),
    "sk_pipeline": ("sklearn", "skops", "model.skops", "predict"),
    "xgb_booster": ("xgboost", "xgboost-ubj", "model.ubj", "predict"),
    "xgb_classifier": ("xgboost", "xgboost-ubj", "model.ubj", "predict"),
    "lgb_booster": ("lightgbm", "lightgbm-text", "model.txt", "predict"),
    "lgb_regressor": ("lightgbm", "lightgbm-text", "model.txt", "predict"),
    "torch_module": ("pytorch", "torchscript", "model.pt", "predict"),
    "keras_model": ("keras", "keras", "model.keras", "predict"),
    "py_predict": ("python", "cloudpickle", "model.pkl", "predict"),
    "py_function": ("python", "cloudpickle", "model.pkl", "__call__"),
}

LOAD_AND_PREDICT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from jupyterlab_mlplatform.deploy.model import load_model
    results = {}
    for name, folder in json.loads(sys.argv[1]).items():
        model = load_model(folder)
        output = model.predict(model.input_example())
        results[name] = np.asarray(output).tolist()
    assert "sklearn" not in sys.modules or "sk_estimator" in results
    print(json.dumps(results))
""")


def predictions(model: Any, flavor: str, data: Any) -> Any:
    """What the model in memory returns, called the way its library is."""
    if flavor == "xgboost" and type(model).__name__ == "Booster":
        import xgboost as xgb

        return model.predict(xgb.DMatrix(data))
    if flavor == "pytorch":
        import torch

        model.eval()
        with torch.no_grad():
            return model(torch.as_tensor(data)).numpy()
    if flavor == "keras":
        return model.predict(data.astype("float32"), verbose=0)
    if callable(getattr(model, "predict", None)):
        return model.predict(data)
    return model(data)


def load_in_fresh_interpreter(folders: dict[str, str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("KERAS_BACKEND", None)  # the package says which backend it was saved with
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, json.dumps(folders)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def requirement_lines(folder: Path) -> list[str]:
    return (folder / "requirements.txt").read_text().splitlines()


# Keras' torch backend trips numpy 2's copy-keyword deprecation when it predicts
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_every_flavor_round_trips_through_a_fresh_interpreter(tmp_path: Path) -> None:
    models = {**sklearn_models(), **boosting_models(), **deep_models(), **generic_models()}
    folders: dict[str, str] = {}
    expected: dict[str, Any] = {}
    for name, (model, data) in models.items():
        folder = tmp_path / name
        example = data[:5]
        # When the model is saved with an input example
        metadata = save_model(model, folder, input_example=example, run_id="r1")
        # Then its metadata says how it was saved
        flavor, serialization, model_file, method = EXPECTED[name]
        assert (metadata.flavor, metadata.serialization) == (flavor, serialization), name
        assert (metadata.model_file, metadata.predict_method) == (model_file, method), name
        assert metadata.run_id == "r1" and metadata.created_at > 0
        # and (but for weights only) a parity sample
        parity = [] if serialization == "torch-state-dict" else ["parity_sample.json"]
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [model_file, METADATA_FILE, "requirements.txt", "input_example.json", *parity]
        ), name
        on_disk = ModelMetadata.model_validate_json((folder / METADATA_FILE).read_text())
        assert on_disk == metadata
        # and the signature's inputs come from the example, its outputs from the model
        assert metadata.signature is not None and metadata.signature.outputs is not None
        inputs = metadata.signature.inputs
        assert isinstance(inputs, list) and len(inputs) == 3
        if isinstance(example, pd.DataFrame):
            assert [c.name for c in inputs] == ["f0", "f1", "f2"]
        else:
            assert [c.name for c in inputs] == [None, None, None]
        want = "float" if np.asarray(example).dtype == np.float32 else "double"
        assert {c.type for c in inputs} == {want}, name
        folders[name] = str(folder)
        expected[name] = np.asarray(predictions(model, flavor, example))
    metadata_of = {n: load_model(f).metadata for n, f in folders.items()}
    outputs = {n: m.signature.outputs for n, m in metadata_of.items() if m.signature}
    assert outputs["sk_estimator"][0].type == "long"  # type: ignore[index]
    assert outputs["py_predict"][0].type == "boolean"  # type: ignore[index]
    assert outputs["py_function"][0].type == "double"  # type: ignore[index]
    assert outputs["torch_module"][0].type == "float"  # type: ignore[index]
    assert metadata_of["keras_model"].flavor_options["keras_backend"] == "torch"

    # When each package is loaded in a fresh interpreter, from its files alone
    results = load_in_fresh_interpreter(folders)
    # Then it predicts as the model in memory did
    for name, want in expected.items():
        got = np.asarray(results[name])
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, err_msg=name)
        else:
            assert got.reshape(want.shape).tolist() == want.tolist(), name

    # and its requirements pin exactly the installed versions of what the flavor needs
    assert requirement_lines(Path(folders["sk_pipeline"])) == [
        f"scikit-learn=={version('scikit-learn')}",
        f"skops=={version('skops')}",
        f"numpy=={version('numpy')}",
        f"pandas=={version('pandas')}",
        f"scipy=={version('scipy')}",
    ]
    xgb_lines = requirement_lines(Path(folders["xgb_booster"]))
    assert xgb_lines[0] in (
        f"xgboost-cpu=={version('xgboost-cpu')}" if _has("xgboost-cpu") else "",
        f"xgboost=={version('xgboost')}" if _has("xgboost") else "",
    )
    assert xgb_lines[1:] == [f"numpy=={version('numpy')}", f"pandas=={version('pandas')}"]
    assert requirement_lines(Path(folders["lgb_regressor"]))[0] == (
        f"lightgbm=={version('lightgbm')}"
    )
    torch_public = version("torch").split("+")[0]
    torch_lines = requirement_lines(Path(folders["torch_module"]))
    assert f"torch=={torch_public}" in torch_lines
    assert all("+" not in line for line in torch_lines if not line.startswith("#"))
    keras_lines = requirement_lines(Path(folders["keras_model"]))
    assert keras_lines[:1] == [f"keras=={version('keras')}"]
    assert f"torch=={torch_public}" in keras_lines
    assert requirement_lines(Path(folders["py_function"])) == [
        f"cloudpickle=={version('cloudpickle')}",
        f"numpy=={version('numpy')}",
        f"pandas=={version('pandas')}",
    ]


def _has(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_cpu_torch_is_pinned_without_its_local_version_and_with_its_index() -> None:
    if "+cpu" not in version("torch"):
        pytest.skip("not torch's CPU build")
    lines = pinned_requirements("pytorch")
    public = version("torch").split("+")[0]
    assert lines[0].startswith("# ") and "download.pytorch.org/whl/cpu" in lines[0]
    assert lines[1] == f"torch=={public}"


def test_generic_models_take_extra_requirements_and_the_example_shape(tmp_path: Path) -> None:
    def score(df: pd.DataFrame) -> list[float]:
        return [float(v) for v in df["amount"] * 0.1]

    example = {"amount": [10.0, 20.0], "country": ["fr", "de"]}
    metadata = save_model(
        score, tmp_path / "m", input_example=example, extra_requirements=["requests==2.32.3"]
    )
    assert requirement_lines(tmp_path / "m")[-1] == "requests==2.32.3"
    payload = json.loads((tmp_path / "m" / "input_example.json").read_text())
    assert payload == {
        "dataframe_split": {"columns": ["amount", "country"], "data": [[10.0, "fr"], [20.0, "de"]]}
    }
    assert metadata.signature is not None
    assert [(c.name, c.type) for c in metadata.signature.inputs] == [  # type: ignore[union-attr]
        ("amount", "double"),
        ("country", "string"),
    ]
    assert load_model(tmp_path / "m").predict(example) == [1.0, 2.0]


def test_the_loader_only_uses_the_serialization_the_metadata_names(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression

    save_model(LinearRegression().fit(X, Y_REG), tmp_path / "m")
    file = tmp_path / "m" / METADATA_FILE
    # a package that claims its skops file is a pickle is refused, not unpickled
    file.write_text(file.read_text().replace('"skops"', '"cloudpickle"'))
    with pytest.raises(ModelPackageError, match="does not load 'cloudpickle'"):
        load_model(tmp_path / "m")
    # a model file outside the package folder is refused
    file.write_text(
        file.read_text()
        .replace('"cloudpickle"', '"skops"')
        .replace('"model.skops"', '"../elsewhere.skops"')
    )
    with pytest.raises(ModelPackageError, match="no model file"):
        load_model(tmp_path / "m")
    with pytest.raises(ModelPackageError, match="no model package"):
        load_model(tmp_path)
    with pytest.raises(ModelPackageError, match="not empty"):
        save_model(LinearRegression(), tmp_path / "m")
    with pytest.raises(ModelPackageError, match="Cannot save a int"):
        save_model(3, tmp_path / "other")
