"""``python -m jupyterlab_mlplatform.deploy.serving``: see ``server``."""

from __future__ import annotations

import sys

from .imports import guard_imports


def _model_dir(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--model-dir" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--model-dir="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    # Before pandas and the model's libraries are imported (server imports them).
    model_dir = _model_dir(sys.argv[1:])
    if model_dir and "--no-import-guard" not in sys.argv:
        guard_imports(model_dir)

    from .server import main

    sys.exit(main())
