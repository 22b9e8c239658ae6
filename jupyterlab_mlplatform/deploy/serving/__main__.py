"""``python -m jupyterlab_mlplatform.deploy.serving``: see ``server``."""

from __future__ import annotations

import sys

from .server import main

if __name__ == "__main__":
    sys.exit(main())
