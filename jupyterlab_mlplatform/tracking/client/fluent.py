"""The notebook-facing API: ``mlp.start_run``, ``mlp.log_metric`` and the rest (a run's
files and models are in :mod:`.artifacts`).

Run creation, reads and artifact uploads are synchronous; params, tags and metrics go
through the :class:`BackgroundSender` and never block the caller.  ``flush()``, ``end_run()``
and interpreter exit drain the queue.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from ...kernels.names import PARENT_MESSAGE_HEADER
from ..models import Run, RunStatus
from .background import BackgroundSender
from .source import current_source, parent_message_id
from .transport import MLPlatformClientError, Transport

EXIT_FLUSH_TIMEOUT = float(os.environ.get("MLPLATFORM_EXIT_FLUSH_TIMEOUT", "120"))


class ActiveRun:
    """The run a ``with mlp.start_run()`` block logs to; ends it when the block exits."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._next_step: dict[str, int] = {}
        self._params: dict[str, str] = dict(run.params)

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def info(self) -> Run:
        """The run as created (MLflow's ``run.info.run_id`` works too)."""
        return self.run

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        _session().end(self, status)

    def __repr__(self) -> str:
        return f"<ActiveRun {self.run.name!r} ({self.run_id})>"


class _Session:
    """Process-wide client state: transport, sender and the stack of active runs."""

    def __init__(self) -> None:
        self.transport = Transport.from_environment()
        self.sender = BackgroundSender(self.transport)
        self.stack: list[ActiveRun] = []
        self.experiment: str | None = None
        """Set by ``set_experiment``: where runs go when ``start_run`` names none."""
        self.lock = threading.Lock()
        atexit.register(self.at_exit)

    def start(
        self,
        experiment: str | None,
        name: str | None,
        params: Mapping[str, Any] | None,
        tags: Mapping[str, Any] | None,
        nested: bool,
        start_time: int | None = None,
    ) -> ActiveRun:
        if self.stack and not nested:
            raise MLPlatformClientError(
                f"Run {self.stack[-1].run_id} is active: end it first, or pass nested=True."
            )
        all_tags = {k: str(v) for k, v in (tags or {}).items()}
        if self.stack:
            all_tags.setdefault("mlflow.parentRunId", self.stack[-1].run_id)
        body: dict[str, Any] = {
            "name": name,
            "params": {k: _param_text(v) for k, v in (params or {}).items()},
            "tags": all_tags,
            "source": current_source(),
        }
        if experiment is None:
            experiment = self.experiment
        if experiment is not None:
            body["experiment_name"] = experiment
        if start_time is not None:
            body["start_time"] = start_time
        parent = parent_message_id()
        headers = {PARENT_MESSAGE_HEADER: parent} if parent else None
        run = Run.model_validate(self.transport.request("POST", "runs", json=body, headers=headers))
        active = ActiveRun(run)
        self.stack.append(active)
        return active

    def active(self) -> ActiveRun:
        if not self.stack:
            self.start(None, None, None, None, False)
        return self.stack[-1]

    def end(self, active: ActiveRun, status: RunStatus) -> None:
        if active in self.stack:
            self.stack.remove(active)
        self.sender.flush()
        self.transport.request("PATCH", f"runs/{active.run_id}", json={"status": status.value})

    def at_exit(self) -> None:
        if not self.sender.flush(EXIT_FLUSH_TIMEOUT):
            return
        while self.stack:
            try:
                self.end(self.stack[-1], RunStatus.FINISHED)
            except MLPlatformClientError:
                self.stack.pop()


_SESSION: _Session | None = None
_SESSION_LOCK = threading.Lock()


def _session() -> _Session:
    global _SESSION
    if _SESSION is None:
        with _SESSION_LOCK:
            if _SESSION is None:
                _SESSION = _Session()
    return _SESSION


def _param_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


# -- runs ----------------------------------------------------------------------------------


def start_run(
    experiment: str | None = None,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    nested: bool = False,
) -> ActiveRun:
    """Start a run in ``experiment`` (created when missing; "Default" when None).

    Use it as a context manager: the run ends FINISHED, FAILED on an exception, or KILLED on
    an interrupt.  ``nested=True`` starts a child of the active run.
    """
    return _session().start(experiment, name, params, tags, nested)


def set_experiment(name: str | None) -> None:
    """Make ``name`` the experiment of later runs (automatic ones too); None: the default."""
    _session().experiment = name


def end_run(status: str = "FINISHED") -> None:
    """End the active run (after sending everything it logged)."""
    session = _session()
    if session.stack:
        session.end(session.stack[-1], RunStatus(status))


def active_run() -> ActiveRun | None:
    session = _session()
    return session.stack[-1] if session.stack else None


def flush(timeout: float | None = None) -> None:
    """Block until everything logged so far is stored by the server."""
    if not _session().sender.flush(timeout):
        raise MLPlatformClientError("Timed out waiting for logged data to reach the server.")


# -- logging -------------------------------------------------------------------------------


def log_metric(key: str, value: float, step: int | None = None) -> None:
    """Append a metric point.  ``step`` defaults to the key's previous step + 1 (from 0)."""
    session = _SESSION or _session()
    run = session.stack[-1] if session.stack else session.active()
    if step is None:
        step = run._next_step.get(key, 0)
    run._next_step[key] = step + 1
    session.sender.metric(run.run.run_id, key, float(value), int(step), int(time.time() * 1000))


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    for key, value in metrics.items():
        log_metric(key, value, step)


def log_param(key: str, value: Any) -> None:
    """Set a param.  Params are immutable: another value for a key set before is an error."""
    run = _session().active()
    text = _param_text(value)
    known = run._params.get(key)
    if known is not None and known != text:
        raise MLPlatformClientError(
            f"Param {key!r} is already {known!r} in this run; params cannot change.", 409
        )
    run._params[key] = text
    _session().sender.param(run.run_id, key, text)


def log_params(params: Mapping[str, Any]) -> None:
    for key, value in params.items():
        log_param(key, value)


def set_tag(key: str, value: Any) -> None:
    run = _session().active()
    _session().sender.tag(run.run_id, key, str(value))


def set_tags(tags: Mapping[str, Any]) -> None:
    for key, value in tags.items():
        set_tag(key, value)


# -- artifacts -----------------------------------------------------------------------------


def _upload(run_id: str, artifact_path: str, data: Any) -> None:
    quoted = quote(artifact_path.strip("/"), safe="/")
    _session().transport.request(
        "PUT", f"runs/{run_id}/artifacts/{quoted}", data=data, timeout=3600
    )


# -- reading -------------------------------------------------------------------------------


def get_run(run_id: str) -> Run:
    return Run.model_validate(_session().transport.request("GET", f"runs/{quote(run_id)}"))


def search_runs(
    experiment_ids: list[str] | None = None,
    filter: str = "",
    order_by: list[str] | None = None,
    max_results: int = 1000,
    experiment_names: list[str] | None = None,
    output_format: str | None = None,
) -> Any:
    """Runs matching ``filter`` (MLflow's grammar, plus OR and parentheses).

    Returns a pandas DataFrame (columns ``run_id``, ``name``, ..., ``metrics.<key>``,
    ``params.<key>``, ``tags.<key>``) when pandas is installed, else a list of runs;
    ``output_format="list"`` always gives the list.
    """
    transport = _session().transport
    ids = list(experiment_ids or [])
    if experiment_names:
        experiments = transport.request("GET", "experiments")["experiments"]
        by_name = {e["name"]: e["experiment_id"] for e in experiments}
        ids += [by_name[n] for n in experiment_names if n in by_name]
        if not ids:
            return _format([], output_format)
    runs: list[Run] = []
    token: str | None = None
    while len(runs) < max_results:
        body = {
            "experiment_ids": ids,
            "filter": filter,
            "order_by": order_by or [],
            "max_results": min(max_results - len(runs), 50_000),
            "page_token": token,
        }
        page = transport.request("POST", "runs/search", json=body)
        runs += [Run.model_validate(r) for r in page["runs"]]
        token = page.get("next_page_token")
        if not token:
            break
    return _format(runs, output_format)


def _format(runs: list[Run], output_format: str | None) -> Any:
    if output_format == "list":
        return runs
    try:
        import pandas as pd
    except ImportError:
        if output_format == "pandas":
            raise
        return runs
    rows = []
    for run in runs:
        row: dict[str, Any] = {
            "run_id": run.run_id,
            "experiment_id": run.experiment_id,
            "name": run.name,
            "status": run.status.value,
            "user": run.user,
            "start_time": pd.to_datetime(run.start_time, unit="ms", utc=True),
            "end_time": pd.to_datetime(run.end_time, unit="ms", utc=True) if run.end_time else None,
            "artifact_uri": run.artifact_uri,
        }
        row.update({f"metrics.{k}": m.value for k, m in run.metrics.items()})
        row.update({f"params.{k}": v for k, v in run.params.items()})
        row.update({f"tags.{k}": v for k, v in run.tags.items()})
        rows.append(row)
    return pd.DataFrame(rows)
