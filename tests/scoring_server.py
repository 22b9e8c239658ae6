"""A real scoring server process (``python -m jupyterlab_mlplatform.deploy.serving``) serving a
small scikit-learn model, optionally with an API keys file, for the suites that need one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jupyterlab_mlplatform.deploy.model import save_model
from jupyterlab_mlplatform.deploy.serving.keys import generate_key, hash_key, write_keys_file
from tests.deploy.serving.test_serving import launch, stop, wait_event

COLUMNS = ["a", "b", "c"]


@dataclass(frozen=True)
class ScoringServer:
    url: str
    key: str | None
    """A valid API key, when the server was started with a keys file."""


def save_small_model(folder: Path) -> None:
    """A logistic regression on three float columns, with an input example."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=COLUMNS)
    model = LogisticRegression().fit(frame, (frame.a + frame.b > 0).astype(int))
    save_model(model, folder, input_example=frame.head(2))


@contextmanager
def start_scoring_server(workdir: Path, *, with_keys: bool) -> Iterator[ScoringServer]:
    save_small_model(workdir / "model")
    args: list[str] = []
    key = None
    if with_keys:
        key = generate_key("suite")
        write_keys_file(str(workdir / "keys"), {"suite": hash_key(key)})
        args = ["--keys-file", str(workdir / "keys")]
    with serve_package(workdir / "model", *args, key=key) as server:
        yield server


@contextmanager
def serve_package(model_dir: Path, *args: str, key: str | None = None) -> Iterator[ScoringServer]:
    """A scoring server process for the model package in ``model_dir``."""
    proc = launch(model_dir, *args)
    try:
        event = wait_event(proc)
        assert event["event"] == "ready", event
        yield ScoringServer(f"http://127.0.0.1:{event['port']}", key)
    finally:
        stop(proc)
