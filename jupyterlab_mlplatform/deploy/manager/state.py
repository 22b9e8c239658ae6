"""What the deployment manager knows of each deployment: the stored records and the live state.

Deployments are kept in ``<root>/deployments.json`` (written atomically, with fsync): name,
versions (run, artifact path, flavor, author, time of each), the version served, workers,
desired state, port, author and creation time, and each version's last parity check.  Each deployment's folder ``<root>/<name>``
holds its versions' model packages (``v<N>/model``), its output (``server.log``) and its API
keys (:mod:`.api_keys`).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ...errors import NotFound
from ...private_files import make_private_dir
from ..serving.atomic import write_atomically
from .api_keys import ApiKeys
from .models import DeploymentStatus
from .process import ProcessLog, ScoringProcess

STATE_FILE = "deployments.json"


@dataclass
class VersionRecord:
    """What is stored of one version of a deployment."""

    version: int
    run_id: str
    artifact_path: str
    flavor: str | None
    created_by: str | None
    created_at: str
    parity: dict[str, Any] | None = None
    """The last parity check of this version's scoring server (``ParityCheck``)."""


@dataclass
class DeploymentRecord:
    """What is stored of a deployment."""

    name: str
    version: int
    """The version served (or to serve when started)."""
    workers: int
    desired: Literal["running", "stopped"]
    created_by: str | None
    created_at: str
    versions: list[VersionRecord]
    port: int | None = None
    """The port last bound, bound again when free."""

    @property
    def current(self) -> VersionRecord:
        return self.find(self.version)

    def find(self, version: int) -> VersionRecord:
        for item in self.versions:
            if item.version == version:
                return item
        raise NotFound(f"The deployment has no version {version}.")

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> DeploymentRecord:
        """Also reads the first format (one version, its run at the top level)."""
        item = dict(item)
        run_id = item.pop("run_id", None)
        artifact_path = item.pop("artifact_path", None)
        versions = item.pop("versions", None)
        if versions is None:
            versions = [
                {
                    "version": item["version"],
                    "run_id": run_id,
                    "artifact_path": artifact_path,
                    "flavor": None,
                    "created_by": item.get("created_by"),
                    "created_at": item["created_at"],
                }
            ]
        return cls(**item, versions=[VersionRecord(**v) for v in versions])


@dataclass
class DeploymentState:
    """A deployment as the running Jupyter server has it: its record, its socket, its
    processes and its status."""

    record: DeploymentRecord
    log: ProcessLog
    keys: ApiKeys
    _status: DeploymentStatus = DeploymentStatus.STOPPED
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set (and replaced) at every change of status."""
    waiting: int = 0
    """Proxied requests waiting for the deployment to serve again."""
    listener: socket.socket | None = None
    process: ScoringProcess | None = None
    starting: ScoringProcess | None = None
    """A process not ready yet (a start, restart or switch)."""
    supervisor: asyncio.Task[None] | None = None
    restarts: int = 0
    error: str | None = None
    started_at: datetime | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def status(self) -> DeploymentStatus:
        return self._status

    @status.setter
    def status(self, value: DeploymentStatus) -> None:
        self._status = value
        self.changed.set()
        self.changed = asyncio.Event()

    @property
    def name(self) -> str:
        return self.record.name


class DeploymentFiles:
    """The deployments' folder: the state file and each deployment's own folder."""

    def __init__(self, root: Path, log_lines: int, log_file_bytes: int) -> None:
        self.root = root
        self.state_file = root / STATE_FILE
        self.log_lines = log_lines
        self.log_file_bytes = log_file_bytes
        self._save_lock = asyncio.Lock()

    def folder(self, name: str) -> Path:
        return self.root / name

    def version_dir(self, name: str, version: int) -> Path:
        return self.root / name / f"v{version}"

    def model_dir(self, name: str, version: int) -> Path:
        """The model package folder of a deployment's version."""
        return self.version_dir(name, version) / "model"

    def load(self) -> list[DeploymentRecord]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [DeploymentRecord.from_json(item) for item in data.get("deployments", [])]

    def stored(self, name: str) -> bool:
        """The state file holds a deployment of that name."""
        return any(record.name == name for record in self.load())

    async def save(self, records: Callable[[], Iterable[DeploymentRecord]]) -> None:
        """Store the deployments ``records()`` gives.  They are taken on the event loop once
        the previous save is done, the file written (with fsync) on a thread: one save at a
        time, so the newest state is written last."""
        async with self._save_lock:
            data = {"deployments": [asdict(record) for record in records()]}
            await asyncio.to_thread(self._write, json.dumps(data, indent=1))

    def _write(self, text: str) -> None:
        make_private_dir(self.root)
        write_atomically(self.state_file, text, fsync=True)

    def state(self, record: DeploymentRecord) -> DeploymentState:
        """The live state of a stored (or new) deployment; makes its private folder."""
        folder = self.folder(record.name)
        make_private_dir(folder)
        log = ProcessLog(folder / "server.log", self.log_lines, self.log_file_bytes)
        return DeploymentState(record=record, log=log, keys=ApiKeys(folder))
