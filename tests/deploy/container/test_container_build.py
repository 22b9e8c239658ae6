"""The exported build context, built and run for real: buildah (vfs storage, chroot
isolation, docker format) on a local stand-in for ``python:3.11-slim`` made with debootstrap,
then podman with runc; the container's predictions must equal the model's in-process ones.

Skipped, saying why, when buildah, podman, runc or debootstrap is missing or cannot run here;
with ``MLP_REQUIRE_CONTAINERS=1`` (``make test`` sets it) that is a failure instead.  The
stand-in base's rootfs is cached in ``~/.cache/jupyterlab-mlplatform/container-base/``.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyterlab_mlplatform.deploy.container import ContextSpec, extract_context, write_context_file
from jupyterlab_mlplatform.deploy.model import load_model, save_model
from jupyterlab_mlplatform.deploy.serving.keys import generate_key, hash_key, key_id_of
from tests.deploy.container.localbuild import (
    BASE_IMAGE,
    ContainerToolsUnavailable,
    Engine,
    base_rootfs,
    probe_tools,
    wait_for_health,
)

pytestmark = pytest.mark.timeout(1800)

RNG = np.random.default_rng(1)
COLUMNS = ["a", "b", "c"]
FRAME = pd.DataFrame(RNG.normal(size=(80, 3)), columns=COLUMNS)
TARGET = (FRAME.a - FRAME.c > 0).astype(int)


def _require_tools(scratch: Path) -> Path:
    """The stand-in base's rootfs tarball, or a skip (a failure if containers are required)."""
    try:
        probe_tools(scratch)
        return base_rootfs()
    except ContainerToolsUnavailable as e:
        if os.environ.get("MLP_REQUIRE_CONTAINERS") == "1":
            pytest.fail(f"MLP_REQUIRE_CONTAINERS=1 but the container tools cannot run: {e}")
        pytest.skip(f"container build tools unavailable: {e}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(url: str, body: Any, key: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_built_image_serves_the_models_predictions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[step] = round(now - clock, 1)
        clock = now

    # Given the tools, the stand-in base image and a scikit-learn model's context
    rootfs = _require_tools(tmp_path / "probe")
    lap("probe + base rootfs")
    from sklearn.ensemble import RandomForestClassifier

    model_dir = tmp_path / "model"
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(FRAME, TARGET)
    save_model(model, model_dir, input_example=FRAME.head(4), training_data=FRAME)
    archive = tmp_path / "context.tar.gz"
    write_context_file(model_dir, archive, ContextSpec("forest", version=1, run_id="r" * 32))
    context = extract_context(archive, tmp_path / "context")
    keys = tmp_path / "keys"
    keys.mkdir()
    key = generate_key()
    (keys / "keys").write_text(f"{key_id_of(key)} {hash_key(key)}\n")
    (keys / "keys").chmod(0o644)  # the container's user is not root

    engine = Engine(tmp_path / "engine")
    suffix = uuid.uuid4().hex[:8]
    tag, name = f"localhost/mlplatform-test-{suffix}:v1", f"mlplatform-test-{suffix}"
    try:
        engine.import_base(rootfs, BASE_IMAGE)
        lap("import base")

        # When the context is built (the host's CA bundle mounted: a test-only flag)
        engine.build(context, tag)
        lap("build")
        image = engine.inspect_image(tag)
        size = int(image["Size"])

        # Then the image keeps its health check, runs as non-root and carries the labels
        assert image["Healthcheck"]["Test"][:2] == ["CMD", "python"]
        assert image["Config"]["User"] == "10001:10001"
        assert "8080/tcp" in image["Config"]["ExposedPorts"]
        labels = image["Config"]["Labels"]
        assert labels["io.mlplatform.model.flavor"] == "sklearn"
        assert labels["io.mlplatform.model.run-id"] == "r" * 32

        # When it runs with two workers, a keys file mounted where the entrypoint looks and
        # a read-only root file system (as k8s.yaml runs it)
        port = _free_port()
        engine.start(
            tag,
            name,
            port,
            env={"MLPLATFORM_WORKERS": "2"},
            volumes={str(keys): "/etc/mlplatform"},
            read_only=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(f"{base}/health", timeout=120)
        except TimeoutError:
            pytest.fail(f"the container never became healthy:\n{engine.logs(name)}")
        lap("start to healthy")

        # Then it predicts exactly what the model predicts in-process
        loaded = load_model(model_dir)
        example = json.loads((model_dir / "input_example.json").read_text())
        code, answer = _post(f"{base}/invocations", example, key)
        assert code == 200, answer
        assert answer["predictions"] == loaded.predict(loaded.input_example()).tolist()
        rows = FRAME.tail(20)
        body = {"dataframe_split": {"columns": COLUMNS, "data": rows.to_numpy().tolist()}}
        code, answer = _post(f"{base}/invocations", body, key)
        assert code == 200 and answer["predictions"] == loaded.predict(rows).tolist()
        code, answer = _post(f"{base}/invocations", body)
        assert code == 401, answer  # the keys file is in force
        # /metadata names the image's deployment and model version
        request = urllib.request.Request(
            f"{base}/metadata", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            metadata = json.loads(response.read())
        assert (metadata["deployment"], metadata["version"]) == ("forest", 1), metadata
        assert '"workers": 2' in engine.logs(name)
        # and it checked the package's parity sample before serving, as a deployment does
        ready = next(
            json.loads(line)
            for line in engine.logs(name).splitlines()
            if line.startswith('{"event": "ready"')
        )
        assert ready["parity"]["status"] == "ok", ready
        assert ready["parity"]["rows"] == 4 + min(len(FRAME), 1000)
        assert engine.exec(name, "id", "-u").stdout.strip() == "10001"
        health = engine.exec_healthcheck(name)
        assert health.returncode == 0, health.stdout + health.stderr
        lap("requests")
    finally:
        engine.remove_container(name)
        engine.remove_image(tag)
        engine.destroy()
        lap("cleanup")
    assert not (tmp_path / "engine").exists()
    with capsys.disabled():
        print(f"\ncontainer image {tag}: {size} bytes (base stand-in included); times {timings}")


def test_missing_tools_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.deploy.container import localbuild

    real_which = localbuild.shutil.which
    monkeypatch.setattr(
        localbuild.shutil,
        "which",
        lambda tool: None if tool in ("podman", "runc") else real_which(tool),
    )
    with pytest.raises(ContainerToolsUnavailable, match=r"^podman, runc not installed \(apt-get"):
        probe_tools(tmp_path)
