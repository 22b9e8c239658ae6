"""The environment an unmodified mlflow script gets in the tests: our server as its tracking
URI, a token, no telemetry, no retries, this checkout importable and a private HOME."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def mlflow_env(tracking_uri: str, token: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(
        MLFLOW_TRACKING_URI=tracking_uri,
        MLFLOW_TRACKING_TOKEN=token,
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        # A 5xx would be retried for minutes; we never answer one, so fail at once.
        MLFLOW_HTTP_REQUEST_MAX_RETRIES="0",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        HOME=str(home),
    )
    return env
