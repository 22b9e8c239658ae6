"""``mlp.log_model`` and ``mlp.load_model`` in a real notebook kernel started by the server."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from tests.autolog.notebook_kernel import open_notebook_kernel, read_artifact, write_notebook


async def test_log_model_then_load_it_from_the_run(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "deploy.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "deploy.ipynb")
    trained = await kernel.run(
        textwrap.dedent("""
            import numpy as np, pandas as pd
            import jupyterlab_mlplatform as mlp
            from sklearn.linear_model import LogisticRegression
            X = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 2)), columns=["a", "b"])
            y = (X["a"] > 0).astype(int)
            model = LogisticRegression().fit(X, y)
        """)
    )
    assert trained.ok, trained.reply
    # When the model is logged in a run with an input example
    logged = await kernel.run(
        textwrap.dedent("""
            with mlp.start_run(name="logged") as run:
                info = mlp.log_model(model, "classifier", input_example=X[:5])
            print(info.model_uri == f"runs:/{run.run_id}/classifier", info.flavor)
            print(run.run_id)
        """)
    )
    assert logged.ok, logged.reply
    first, run_id = logged.stdout.strip().splitlines()
    assert first == "True sklearn"
    # Then the run holds the package
    listing = await mlp_app.tracking.list_artifacts(run_id, "classifier")
    assert {f.path for f in listing.files} == {
        "classifier/mlplatform_model.json",
        "classifier/model.skops",
        "classifier/requirements.txt",
        "classifier/input_example.json",
        "classifier/parity_sample.json",
    }
    metadata = json.loads(await read_artifact(mlp_app, run_id, "classifier/mlplatform_model.json"))
    assert metadata["run_id"] == run_id and metadata["created_by"] == "log_model"
    assert [c["name"] for c in metadata["signature"]["inputs"]] == ["a", "b"]
    # and loading it from the run predicts as the model in the kernel
    loaded = await kernel.run(
        textwrap.dedent("""
            loaded = mlp.load_model(info.model_uri)
            print(type(loaded.raw).__name__, (loaded.predict(X) == model.predict(X)).all())
        """)
    )
    assert loaded.ok, loaded.reply
    assert loaded.stdout.strip() == "LogisticRegression True"
    missing = await kernel.run(f"mlp.load_model('runs:/{run_id}/nothing')")
    assert not missing.ok and "has no model at 'nothing'" in str(missing.reply)
