"""Automatic tracking in one kernel: cells, training calls, and the runs they make.

A cell that trains (a hooked library's fit/train entry point runs while it executes)
becomes one run.  The run is created lazily at the first training call, so a cell that
does not train pays only for noting its source; every training call of the cell logs into
the same run; calls nested in another (a Pipeline fitting its steps, a search fitting
candidates) belong to the outermost one.  An explicit ``mlp.start_run()`` takes precedence:
training then logs into that run, which stays the user's to end.  When mlflow is tracking
(an active mlflow run, or ``mlflow.<flavor>.autolog()`` switched on), we stay out of its
way.

What the cell produced (its source, the code path, output tail, figures, environment, git
state, child runs of searches) is uploaded by a background thread after the cell, which
then ends the run with the cell's outcome.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ...constants import MODEL_PACKAGE_FILE, REPRODUCED_FROM_TAG
from ...tracking.client import fluent
from .capture import CodePath, ExecutedCell
from .finisher import Finisher
from .models import save_model
from .outputs import FigureCapture, OutputTail
from .resources import ResourceSampler
from .safety import guard, log

MAX_PARAM_LENGTH = 6000
MAX_KEY_LENGTH = 250


@dataclass
class Decision:
    enabled: bool
    reason: str | None = None
    experiment_name: str | None = None
    reproduced_from: str | None = None
    """The run that the notebook reproduces (a notebook reopened from a run)."""


@dataclass
class CellContext:
    cell_id: str | None
    source: str
    execution_count: int
    started: float = field(default_factory=time.time)
    decision: Decision | None = None
    run: TrackedRun | None = None
    calls: int = 0


@dataclass
class TrackedRun:
    active: fluent.ActiveRun
    owned: bool
    """Created by autolog for this cell (else the user's explicit run)."""
    params: dict[str, str] = field(default_factory=dict)
    models: int = 0
    children: list[Callable[[], None]] = field(default_factory=list)
    sampler: ResourceSampler | None = None

    @property
    def run_id(self) -> str:
        return self.active.run_id


class TrainingCall:
    """One outermost training call: what its library hook logs goes through here."""

    def __init__(self, autolog: Autolog, run: TrackedRun, index: int, label: str) -> None:
        self.autolog = autolog
        self.run = run
        self.index = index
        self.label = label
        self.kinds: list[str] = []
        """The kinds of the training calls running inside this one, outermost first."""

    @property
    def metric_prefix(self) -> str:
        """Per-iteration metrics of the cell's later training calls get their own keys."""
        return "" if self.index == 0 else f"{self.label}_{self.index + 1}."

    def within(self, kind: str) -> bool:
        return kind in self.kinds

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Params of this call; a key the run has with another value gets the call's prefix."""
        sender = self.autolog.sender
        for key, value in params.items():
            text = param_text(value)
            name = str(key)[:MAX_KEY_LENGTH]
            known = self.run.params.get(name)
            if known is not None and known != text:
                name = f"{self.label}_{self.index + 1}.{name}"[:MAX_KEY_LENGTH]
                if self.run.params.get(name) == text:
                    continue
            elif known == text:
                continue
            self.run.params[name] = text
            sender.param(self.run.run_id, name, text)

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        """A metric of the call (``step`` defaults to the call's index in the cell)."""
        step = self.index if step is None else step
        self.autolog.sender.metric(
            self.run.run_id, key, float(value), int(step), int(time.time() * 1000)
        )

    def log_iteration(self, key: str, value: float, step: int) -> None:
        self.log_metric(self.metric_prefix + key, value, step)

    def set_tag(self, key: str, value: str) -> None:
        self.autolog.sender.tag(self.run.run_id, key, value)

    def log_model(self, model: Any, example: Any = None, training: Any = None) -> bool:
        """Save ``model`` as a model package (see :func:`.models.save_model`) and upload it
        after the cell as ``model/`` (``model_2/`` ... for the cell's later ones); False
        when it is of no library we save.  ``training``: training rows for the parity
        sample."""
        saved = save_model(model, self.run.run_id, example, training)
        if saved is None:
            return False
        files, description = saved.files, saved.description
        self.run.models += 1
        folder = "model" if self.run.models == 1 else f"model_{self.run.models}"
        run_id = self.run.run_id
        self.autolog.finisher.submit(
            lambda: self.autolog.upload_model(run_id, folder, files, description)
        )
        return True

    def add_children(self, make: Callable[[], None]) -> None:
        """Work that creates child runs; done after the cell, before the run ends."""
        self.run.children.append(make)


class Autolog:
    """The kernel's automatic tracking: IPython event handlers plus the library hooks."""

    def __init__(self, shell: Any, decide: Callable[[], Decision] | None = None) -> None:
        self.shell = shell
        self.enabled = True
        self.code_path = CodePath()
        self.outputs = OutputTail()
        self.figures = FigureCapture(shell)
        self.finisher = Finisher()
        self.cell: CellContext | None = None
        self._decide = decide or self._ask_server
        self._depth = 0
        self._call: TrainingCall | None = None
        self._lock = threading.RLock()
        self.import_hooks: Any = None

    @property
    def sender(self) -> Any:
        return fluent._session().sender

    # -- IPython events (a cell that does not train pays only for these) --------------

    def pre_run_cell(self, info: Any) -> None:
        if getattr(info, "silent", False):
            return
        self.cell = CellContext(
            cell_id=getattr(info, "cell_id", None),
            source=str(getattr(info, "raw_cell", "") or ""),
            execution_count=int(getattr(self.shell, "execution_count", 0) or 0),
        )
        self.outputs.start()
        self.figures.start()

    def post_run_cell(self, result: Any) -> None:
        cell, self.cell = self.cell, None
        if cell is None:
            return
        output = self.outputs.stop()
        figures = self.figures.stop()
        before = self.code_path.snapshot()
        self.code_path.append(ExecutedCell(cell.execution_count, cell.cell_id, cell.source))
        tracked = cell.run
        if tracked is None:
            return
        with guard("finishing the cell's run"):
            self._finish(cell, tracked, result, output, figures, before)

    # -- training calls ----------------------------------------------------------------

    @contextmanager
    def training(
        self, kind: str, label: str, starts_run: bool = True, flavor: str | None = None
    ) -> Iterator[TrainingCall | None]:
        """Wrap a library's training entry point.

        Yields the outermost call (also to nested ones: they may add what only they see,
        e.g. per-iteration metrics), or None when this training is not tracked.
        """
        with self._lock:
            nested = self._depth > 0
            self._depth += 1
            call = self._call
        if not nested:
            call = None
            if self.enabled and starts_run:
                with guard("starting a run"):
                    call = self._begin(label, flavor)
            self._call = call
        if call is not None:
            call.kinds.append(kind)
        try:
            yield call
        finally:
            with self._lock:
                self._depth -= 1
                if not nested:
                    self._call = None
            if call is not None and call.kinds and call.kinds[-1] == kind:
                call.kinds.pop()

    def _begin(self, label: str, flavor: str | None) -> TrainingCall | None:
        cell = self.cell
        if cell is None or threading.current_thread() is not threading.main_thread():
            return None
        if flavor is not None and mlflow_is_tracking(flavor):
            return None
        if cell.decision is None:
            cell.decision = self._decide()
            if not cell.decision.enabled:
                log.debug("Automatic tracking is off: %s", cell.decision.reason)
        if not cell.decision.enabled:
            return None
        if cell.run is None or self._ended_elsewhere(cell.run):
            cell.run = self._open_run(cell, cell.decision)
        index = cell.calls
        cell.calls += 1
        return TrainingCall(self, cell.run, index, label)

    @staticmethod
    def _ended_elsewhere(tracked: TrackedRun) -> bool:
        """The user's run this cell logged into has ended (its ``with`` block is over)."""
        return not tracked.owned and tracked.active not in fluent._session().stack

    def _open_run(self, cell: CellContext, decision: Decision) -> TrackedRun:
        session = fluent._session()
        if session.stack:
            return TrackedRun(session.stack[-1], owned=False)
        experiment = session.experiment or decision.experiment_name
        tags = {
            "mlplatform.autolog": "true",
            "mlflow.source.type": "NOTEBOOK",
        }
        if decision.reproduced_from:
            tags[REPRODUCED_FROM_TAG] = decision.reproduced_from
        active = session.start(
            experiment, None, None, tags, nested=False, start_time=int(cell.started * 1000)
        )
        tracked = TrackedRun(active, owned=True)
        tracked.sampler = ResourceSampler(self.sender, active.run_id)
        tracked.sampler.start()
        return tracked

    def _ask_server(self) -> Decision:
        """Whether tracking is on for this kernel's notebook, and its experiment."""
        reply = fluent._session().transport.request("GET", "autolog", timeout=10)
        return Decision(
            bool(reply.get("enabled")),
            reply.get("reason"),
            reply.get("experiment_name"),
            reply.get("reproduced_from"),
        )

    # -- after the cell -----------------------------------------------------------------

    def _finish(
        self,
        cell: CellContext,
        tracked: TrackedRun,
        result: Any,
        output: str,
        figures: list[str],
        before: list[ExecutedCell],
    ) -> None:
        ended = time.time()
        if tracked.sampler is not None:
            tracked.sampler.stop()
        if not tracked.owned:
            for make in tracked.children:
                self.finisher.submit(make)
            return
        session = fluent._session()
        with session.lock:
            if tracked.active in session.stack:
                session.stack.remove(tracked.active)
        status = _status(result)
        self.sender.metric(
            tracked.run_id, "system/cell_duration_s", ended - cell.started, 0, int(ended * 1000)
        )
        from . import capture

        files = capture.cell_files(cell.source, before, output)
        run_id = tracked.run_id

        def finish() -> None:
            for path, data in files.items():
                with guard(f"uploading {path}"):
                    fluent._upload(run_id, path, data)
            for number, png in enumerate(FigureCapture.decode(figures), start=1):
                with guard("uploading a figure"):
                    fluent._upload(run_id, f"figures/figure_{number}.png", png)
            with guard("recording the environment"):
                for path, data in capture.environment_files().items():
                    fluent._upload(run_id, path, data)
            with guard("recording the git state"):
                tags, diff = capture.git_state()
                for key, value in tags.items():
                    self.sender.tag(run_id, key, value)
                if diff:
                    fluent._upload(run_id, capture.GIT_DIFF, diff)
            for make in tracked.children:
                with guard("logging the search's candidates"):
                    make()
            self.sender.flush()
            session.transport.request(
                "PATCH", f"runs/{run_id}", json={"status": status, "end_time": int(ended * 1000)}
            )

        self.finisher.submit(finish)

    def upload_model(
        self, run_id: str, folder: str, files: Mapping[str, bytes], description: Mapping[str, Any]
    ) -> None:
        import json

        for name, data in files.items():
            fluent._upload(run_id, f"{folder}/{name}", data)
        fluent._upload(
            run_id, f"{folder}/{MODEL_PACKAGE_FILE}", json.dumps(description, indent=2).encode()
        )

    def close(self) -> None:
        self.enabled = False
        self.outputs.uninstall()
        self.figures.uninstall()
        self.finisher.drain()


def _status(result: Any) -> str:
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if error is None:
        return "FINISHED"
    return "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"


def param_text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif value is None or isinstance(value, bool | int | float):
        text = str(value)
    elif callable(value) or hasattr(value, "get_params"):
        text = getattr(value, "__name__", None) or type(value).__name__
    else:
        text = repr(value)
    return text[:MAX_PARAM_LENGTH]


def mlflow_is_tracking(flavor: str) -> bool:
    """mlflow would record this training itself (an active run or its autolog is on)."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is None:
        return False
    try:
        if mlflow.active_run() is not None:
            return True
        from mlflow.utils.autologging_utils import autologging_is_disabled

        return not autologging_is_disabled(flavor)  # type: ignore[no-untyped-call]
    except Exception:  # noqa: BLE001 - an mlflow we do not understand: assume it is not
        log.debug("Could not ask mlflow whether it autologs %s", flavor, exc_info=True)
        return False
