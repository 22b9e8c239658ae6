"""Automatic tracking of PyTorch Lightning (``lightning.pytorch`` and ``pytorch_lightning``)
in a real notebook kernel."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from .notebook_kernel import open_notebook_kernel, read_artifact, wait_for_runs, write_notebook


def setup(package: str) -> str:
    return textwrap.dedent(f"""
        import io
        import json
        import torch
        import {package} as pl
        from torch.utils.data import DataLoader, TensorDataset
        torch.manual_seed(0)
        X = torch.randn(96, 4)
        y = (X[:, 0] + X[:, 1] > 0).long()
        train = DataLoader(TensorDataset(X[:64], y[:64]), batch_size=16)
        valid = DataLoader(TensorDataset(X[64:], y[64:]), batch_size=16)
        quiet = dict(logger=False, enable_checkpointing=False, enable_progress_bar=False,
                     enable_model_summary=False)

        class Classifier(pl.LightningModule):
            def __init__(self, lr=0.05, hidden=8):
                super().__init__()
                self.net = torch.nn.Sequential(
                    torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2))

            def forward(self, x):
                return self.net(x)

            def training_step(self, batch, index):
                x, y = batch
                loss = torch.nn.functional.cross_entropy(self(x), y)
                self.log("train_loss", loss, on_step=False, on_epoch=True)
                return loss

            def validation_step(self, batch, index):
                x, y = batch
                self.log("val_loss", torch.nn.functional.cross_entropy(self(x), y))

            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=0.05, weight_decay=1e-4)
    """).strip()


async def test_a_fit_becomes_a_run_with_epochs_params_and_torchscript(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "lightning.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "lightning.ipynb")
    ready = await kernel.run(setup("lightning.pytorch"))
    assert ready.ok, ready.reply
    # When a cell fits a module (its validation metrics noted per epoch by the user's own
    # callback, to compare with)
    trained = await kernel.run(
        textwrap.dedent("""
        class Tuned(Classifier):
            def __init__(self, lr=0.05, hidden=8):
                super().__init__(lr, hidden)
                self.save_hyperparameters()
                self.example_input_array = torch.zeros(1, 4)

        class Note(pl.Callback):
            seen = []
            def on_validation_epoch_end(self, trainer, module):
                if not trainer.sanity_checking:
                    Note.seen.append(float(trainer.callback_metrics["val_loss"]))

        model = Tuned(hidden=6)
        trainer = pl.Trainer(max_epochs=3, gradient_clip_val=0.5, callbacks=[Note()], **quiet)
        trainer.fit(model, train, valid)
        print(json.dumps(Note.seen), len(trainer.callbacks))
        """),
        cell_id="cell-fit",
    )
    assert trained.ok, trained.reply
    assert "Automatic tracking failed" not in trained.stderr
    seen, callbacks = trained.stdout.splitlines()[-1].rsplit(" ", 1)  # after Lightning's lines
    assert callbacks == "1"  # the trainer's callbacks are the user's again

    # Then it is one finished run
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-fit")
    assert run.status.value == "FINISHED"
    assert run.tags["mlplatform.library"] == "lightning"
    # with the epoch-level metrics of every epoch, and no sanity-check validation
    val_loss = await mlp_app.tracking.get_metric_history(run.run_id, "val_loss", None)
    assert val_loss.steps == [0, 1, 2]
    assert val_loss.values == json.loads(seen)
    train_loss = await mlp_app.tracking.get_metric_history(run.run_id, "train_loss", None)
    assert train_loss.steps == [0, 1, 2]
    assert train_loss.values[-1] < train_loss.values[0]
    # the trainer's settings, the module's hparams and the optimizer's hyper-params
    assert run.params["max_epochs"] == "3" and run.params["gradient_clip_val"] == "0.5"
    assert run.params["precision"] == "32-true" and run.params["accumulate_grad_batches"] == "1"
    assert run.params["lr"] == "0.05" and run.params["hidden"] == "6"
    assert run.params["optimizer_name"] == "SGD"
    assert run.params["optimizer_lr"] == "0.05"
    assert run.params["optimizer_weight_decay"] == "0.0001"

    # The module, as TorchScript, loads without its code and predicts as the one in the kernel
    description = json.loads(
        await read_artifact(mlp_app, run.run_id, "model/mlplatform_model.json")
    )
    assert description["flavor"] == "pytorch" and description["serialization"] == "torchscript"
    data = await read_artifact(mlp_app, run.run_id, "model/model.pt")
    check = await kernel.run(
        f"loaded = torch.jit.load(io.BytesIO({data!r}))\n"
        "model.eval()\n"
        "with torch.no_grad():\n"
        "    print(torch.allclose(loaded(X), model(X)), loaded.training)"
    )
    assert check.ok, check.reply
    assert check.stdout.strip() == "True False"


async def test_the_standalone_package_state_dicts_and_failing_hooks(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Any, mlp_app: Any
) -> None:
    write_notebook(jp_root_dir / "pytorch-lightning.ipynb")
    kernel = await open_notebook_kernel(jp_fetch, jp_ws_fetch, "pytorch-lightning.ipynb")
    ready = await kernel.run(setup("pytorch_lightning"))
    assert ready.ok, ready.reply
    # A forward TorchScript cannot compile, and no example input to trace with: the
    # state_dict, plain tensors that load with weights_only=True into a new module
    unscriptable = await kernel.run(
        textwrap.dedent("""
        class Loose(Classifier):
            def forward(self, *inputs):
                return self.net(inputs[0])

        model = Loose()
        pl.Trainer(max_epochs=2, **quiet).fit(model, train)
        """),
        cell_id="cell-state-dict",
    )
    assert unscriptable.ok, unscriptable.reply
    assert "Automatic tracking failed" not in unscriptable.stderr
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-state-dict")
    assert run.tags["mlplatform.library"] == "lightning"
    train_loss = await mlp_app.tracking.get_metric_history(run.run_id, "train_loss", None)
    assert train_loss.steps == [0, 1]
    description = json.loads(
        await read_artifact(mlp_app, run.run_id, "model/mlplatform_model.json")
    )
    assert description["serialization"] == "torch-state-dict"
    assert description["model_file"] == "state_dict.pt"
    data = await read_artifact(mlp_app, run.run_id, "model/state_dict.pt")
    check = await kernel.run(
        "fresh = Loose()\n"
        f"fresh.load_state_dict(torch.load(io.BytesIO({data!r}), weights_only=True))\n"
        "with torch.no_grad():\n"
        "    print(torch.allclose(fresh(X), model(X)))"
    )
    assert check.ok, check.reply
    assert check.stdout.strip() == "True"

    # A module whose hparams cannot be read (Lightning copes with an AttributeError, a
    # hook must too): a warning, the fit and the cell as they were, the rest recorded
    broken = await kernel.run(
        textwrap.dedent("""
        class Secretive(Classifier):
            @property
            def hparams(self):
                raise AttributeError("no hparams today")

        trainer = pl.Trainer(max_epochs=2, **quiet)
        trainer.fit(Secretive(), train, valid)
        print("epochs", trainer.current_epoch, "val_loss" in trainer.callback_metrics)
        """),
        cell_id="cell-broken",
    )
    assert broken.ok, broken.reply
    assert broken.stdout.splitlines()[-1] == "epochs 2 True"
    assert "Automatic tracking failed while reading the Lightning module's hparams" in broken.stderr
    (run,) = await wait_for_runs(mlp_app, 1, cell_id="cell-broken")
    assert run.status.value == "FINISHED"
    assert run.params["max_epochs"] == "2" and run.params["optimizer_lr"] == "0.05"
    val_loss = await mlp_app.tracking.get_metric_history(run.run_id, "val_loss", None)
    assert val_loss.steps == [0, 1]
