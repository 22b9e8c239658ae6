"""Automatic tracking of Keras 3 (its PyTorch backend) in a real notebook kernel."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from .notebook_kernel import open_notebook_kernel, read_artifact, wait_for_runs, write_notebook

SETUP = textwrap.dedent("""
    import os
    os.environ["KERAS_BACKEND"] = "torch"
    import json
    import keras
    import numpy as np
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 4)).astype("float32")
    y = (X[:, 0] + X[:, 1] > 0).astype("int32")
    keras.utils.set_random_seed(0)
""").strip()


async def test_a_fit_becomes_a_run_with_epochs_params_and_the_model(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "keras.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "keras.ipynb")
    setup = await kernel.run(SETUP)
    assert setup.ok, setup.reply
    # When a cell fits a model
    trained = await kernel.run(
        textwrap.dedent("""
        model = keras.Sequential([
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
        print(json.dumps(history.history))
        """),
        cell_id="cell-fit",
    )
    assert trained.ok, trained.reply
    assert "Automatic tracking failed" not in trained.stderr
    epochs = json.loads(trained.stdout)

    # Then it is one finished run
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-fit")
    assert run.status.value == "FINISHED"
    assert run.tags["mlplatform.library"] == "keras"
    # with every epoch's logs under Keras' names, the epoch as step, as fit returned them
    assert set(epochs) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key, values in epochs.items():
        history = await mlp_app.tracking.get_metric_history(run.run_id, key, None)
        assert history.steps == [0, 1, 2], key
        assert history.values == values, key
    # the fit arguments (Keras' resolved ones too), the optimizer, loss and metrics
    assert run.params["epochs"] == "3" and run.params["batch_size"] == "16"
    assert run.params["validation_split"] == "0.25" and run.params["shuffle"] == "True"
    assert run.params["steps_per_epoch"] == "5"  # 72 training rows in batches of 16
    assert run.params["optimizer_name"] == "Adam"
    assert run.params["optimizer_learning_rate"] == "0.01"
    assert run.params["optimizer_beta_1"] == "0.9"  # a default
    assert run.params["loss"] == "sparse_categorical_crossentropy"
    assert run.params["metrics"] == "accuracy"
    assert run.params["total_params"] == run.params["trainable_params"] == "58"  # 4*8+8 + 8*2+2

    # The model, as a .keras archive, loads back and predicts as the one in the kernel
    description = json.loads(
        await read_artifact(mlp_app, run.run_id, "model/mlplatform_model.json")
    )
    assert description["flavor"] == "keras" and description["serialization"] == "keras"
    assert description["model_file"] == "model.keras"
    assert description["flavor_options"]["keras_backend"] == "torch"
    assert description["signature"]["inputs"][0]["name"] is None  # an array's columns
    data = await read_artifact(mlp_app, run.run_id, "model/model.keras")
    check = await kernel.run(
        "import tempfile\n"
        "with tempfile.TemporaryDirectory() as folder:\n"
        "    path = os.path.join(folder, 'model.keras')\n"
        "    with open(path, 'wb') as f:\n"
        f"        f.write({data!r})\n"
        "    loaded = keras.saving.load_model(path)\n"
        "print(np.allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0)))"
    )
    assert check.ok, check.reply
    assert check.stdout.strip() == "True"


async def test_a_failing_hook_leaves_the_cell_alone_and_later_fits_get_their_own_keys(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "keras-odd.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "keras-odd.ipynb")
    assert (await kernel.run(SETUP)).ok
    # A model Keras cannot describe: saving it fails, the fit and the cell do not
    odd = await kernel.run(
        textwrap.dedent("""
        class Odd(keras.Sequential):
            def get_config(self):
                raise RuntimeError("no config today")
        odd = Odd([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        odd.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        history = odd.fit(X, y, epochs=2, verbose=0)
        print(len(history.history["loss"]), odd.predict(X[:3], verbose=0).shape)
        """),
        cell_id="cell-odd",
    )
    assert odd.ok, odd.reply
    assert odd.stdout.strip() == "2 (3, 2)"
    assert "Automatic tracking failed" in odd.stderr and "no config today" in odd.stderr
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-odd")
    assert run.status.value == "FINISHED"
    loss = await mlp_app.tracking.get_metric_history(run.run_id, "loss", None)
    assert loss.steps == [0, 1]
    assert run.params["batch_size"] == "32"  # fit's default for arrays
    listing = await mlp_app.tracking.list_artifacts(run.run_id, "")
    assert "model" not in {f.path for f in listing.files}

    # Two fits in one cell, the user's own callbacks kept: one run, the second fit's epochs
    # under their own keys, two models
    two = await kernel.run(
        textwrap.dedent("""
        class Count(keras.callbacks.Callback):
            epochs = 0
            def on_epoch_end(self, epoch, logs=None):
                Count.epochs += 1
        def small():
            m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
            m.compile(optimizer="sgd", loss="mse")
            return m
        small().fit(X, np.eye(2)[y], epochs=2, verbose=0, callbacks=[Count()])
        small().fit(X, np.eye(2)[y], epochs=3, verbose=0, callbacks=Count())
        print(Count.epochs)
        """),
        cell_id="cell-two",
    )
    assert two.ok, two.reply
    assert two.stdout.strip() == "5"
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-two")
    first = await mlp_app.tracking.get_metric_history(run.run_id, "loss", None)
    second = await mlp_app.tracking.get_metric_history(run.run_id, "Sequential_2.loss", None)
    assert first.steps == [0, 1] and second.steps == [0, 1, 2]
    assert run.params["epochs"] == "2" and run.params["Sequential_2.epochs"] == "3"
    listing = await mlp_app.tracking.list_artifacts(run.run_id, "")
    assert {"model", "model_2"} <= {f.path for f in listing.files}
