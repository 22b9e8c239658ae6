"""Image size of our container export next to MLflow's, built the same way on the same base.

    python bench/container_bench.py [--no-mlflow] [--keep]

Both images are built with buildah (vfs storage, chroot isolation, docker format) on the
local stand-in for ``python:3.11-slim`` that the container build test uses (a debootstrap
Debian 12 minbase with Debian's Python 3.11; see ``tests/deploy/container/localbuild.py``), from
the same scikit-learn LogisticRegression with the same pinned requirements:

* ours: the context of ``GET .../container.tar.gz`` (``deploy.container.write_context``);
* MLflow: ``mlflow models generate-dockerfile --env-manager local``, the Dockerfile that
  ``mlflow models build-docker`` builds (which needs a Docker engine).  It starts
  ``FROM python:3.11.7-slim`` and pip-installs into the system Python, which Debian's
  Python refuses (PEP 668) and ships without pip: its base here is the stand-in plus
  Debian's ``python3-pip`` with the EXTERNALLY-MANAGED marker removed.

Needs root, buildah, podman, runc, debootstrap and network access to PyPI and Debian's
mirror (``make system-deps``).  Prints a table and writes ``bench/results/container.json``.
Sizes are podman's unpacked image sizes, base layers included.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd

from jupyterlab_mlplatform.deploy.container import (
    ContextSpec,
    extract_context,
    write_context_file,
)
from jupyterlab_mlplatform.deploy.model import save_model
from tests.deploy.container.localbuild import (
    BASE_IMAGE,
    Engine,
    base_rootfs,
    probe_tools,
)

MLFLOW_BASE = """\
FROM {base}
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip \\
 && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \\
 && rm -rf /var/lib/apt/lists/*
"""


def _model(folder: Path) -> tuple[Path, Any, pd.DataFrame]:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    model = LogisticRegression().fit(frame, (frame.a + frame.b > 0).astype(int))
    ours = folder / "ours-model"
    save_model(model, ours, input_example=frame.head(5))
    return ours, model, frame


def _mlflow_context(folder: Path, model: Any, frame: pd.DataFrame, pins: list[str]) -> Path:
    import mlflow.sklearn

    saved = folder / "mlflow-model"
    mlflow.sklearn.save_model(model, saved, input_example=frame.head(5), pip_requirements=pins)
    context = folder / "mlflow-context"
    subprocess.run(
        [
            sys.executable, "-m", "mlflow", "models", "generate-dockerfile",
            "-m", str(saved), "-d", str(context), "--env-manager", "local",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return context


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-mlflow", action="store_true", help="Build only ours.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch folder.")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="container-bench-"))
    engine = Engine(scratch / "engine")
    results: dict[str, Any] = {}
    try:
        probe_tools(scratch / "probe")
        start = time.monotonic()
        rootfs = base_rootfs()
        results["base_rootfs_seconds"] = round(time.monotonic() - start, 1)
        engine.import_base(rootfs, BASE_IMAGE)
        results["base_bytes"] = engine.image_size(BASE_IMAGE)

        ours_model, model, frame = _model(scratch)
        archive = scratch / "ours.tar.gz"
        write_context_file(ours_model, archive, ContextSpec("bench-model", version=1))
        context = extract_context(archive, scratch / "ours")
        start = time.monotonic()
        engine.build(context, "localhost/bench-ours:1")
        results["ours"] = {
            "bytes": engine.image_size("localhost/bench-ours:1"),
            "build_seconds": round(time.monotonic() - start, 1),
            "context_bytes": archive.stat().st_size,
        }

        if not args.no_mlflow:
            pins = [
                line
                for line in (ours_model / "requirements.txt").read_text().splitlines()
                if line and not line.startswith("#")
            ]
            mlflow_context = _mlflow_context(scratch, model, frame, pins)
            dockerfile = (mlflow_context / "Dockerfile").read_text()
            mlflow_from = dockerfile.split("FROM ", 1)[1].split()[0]
            standin = scratch / "mlflow-base"
            standin.mkdir()
            (standin / "Dockerfile").write_text(MLFLOW_BASE.format(base=BASE_IMAGE))
            engine.build(standin, f"docker.io/library/{mlflow_from}")
            start = time.monotonic()
            engine.build(mlflow_context, "localhost/bench-mlflow:1")
            results["mlflow"] = {
                "bytes": engine.image_size("localhost/bench-mlflow:1"),
                "build_seconds": round(time.monotonic() - start, 1),
                "base_bytes": engine.image_size(f"docker.io/library/{mlflow_from}"),
                "from": mlflow_from,
            }
    finally:
        engine.destroy()
        if not args.keep:
            subprocess.run(["rm", "-rf", str(scratch)], check=False)

    base = results["base_bytes"]
    print(f"stand-in base ({BASE_IMAGE}): {base / 1e6:.0f} MB")
    print(f"{'image':<10} {'size':>10} {'over base':>10} {'build':>8}")
    for name in ("ours", "mlflow"):
        if name in results:
            item = results[name]
            own_base = item.get("base_bytes", base)
            print(
                f"{name:<10} {item['bytes'] / 1e6:>7.0f} MB {(item['bytes'] - own_base) / 1e6:>7.0f} MB"
                f" {item['build_seconds']:>6.0f} s"
            )
    if "mlflow" in results:
        ratio = results["mlflow"]["bytes"] / results["ours"]["bytes"]
        print(f"MLflow's image is {ratio:.2f}x ours")
    out = ROOT / "bench" / "results" / "container.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
