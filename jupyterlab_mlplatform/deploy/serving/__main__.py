"""``python -m jupyterlab_mlplatform.deploy.serving``: see ``server``."""

from __future__ import annotations

import sys

from .imports import guard_imports, model_dir_argument

if __name__ == "__main__":
    # Before pandas and the model's libraries are imported (server imports them).
    model_dir = model_dir_argument(sys.argv[1:])
    if model_dir and "--no-import-guard" not in sys.argv:
        guard_imports(model_dir)

    from .server import main

    sys.exit(main())
