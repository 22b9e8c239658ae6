"""MLflow's web UI with 10,000 runs, for the Experiments panel measurement to time side by side.

``python bench/mlflow_ui_server.py --runs 10000`` writes the same runs as the tracking
benchmark into a fresh MLflow SQLite database (with MLflow's own ORM models), starts
``mlflow server --workers 1`` on a free port, prints one JSON line
``{"url", "experiment_id", "runs"}`` and serves until its stdin closes or it gets SIGTERM;
then it stops the server and deletes the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path

# ``python bench/mlflow_ui_server.py`` puts bench/ first on sys.path.
from servers import mlflow_server
from tracking_bench import populate_mlflow_db, search_runs_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mlflow-ui-"))
    server = None
    try:
        populated = populate_mlflow_db(
            str(root / "mlflow.db"), "ui-speed", search_runs_spec(args.runs)
        )
        server = mlflow_server(root).start()
        print(
            json.dumps(
                {
                    "url": server.url,
                    "experiment_id": populated["experiment_id"],
                    "runs": args.runs,
                }
            ),
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while sys.stdin.buffer.read(4096):  # until the measurement closes our stdin
            pass
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
