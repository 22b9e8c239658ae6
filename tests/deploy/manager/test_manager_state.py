"""The deployment manager's stored state without a server: records in both file formats,
the state file written privately and read back, a deployment's live state."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from jupyterlab_mlplatform.deploy.manager import DeploymentStatus
from jupyterlab_mlplatform.deploy.manager.state import (
    DeploymentFiles,
    DeploymentRecord,
    VersionRecord,
)
from jupyterlab_mlplatform.errors import NotFound

NOW = "2026-12-07T20:00:00+00:00"


def _record(name: str = "iris") -> DeploymentRecord:
    versions = [
        VersionRecord(1, "r1", "model", "sklearn", "ann", NOW),
        VersionRecord(2, "r2", "model", None, "bob", NOW),
    ]
    return DeploymentRecord(name, 2, 1, "running", "ann", NOW, versions, port=41234)


def test_a_record_of_the_first_format_reads_as_one_version() -> None:
    first = {
        "name": "old",
        "version": 1,
        "workers": 2,
        "desired": "stopped",
        "created_by": "ann",
        "created_at": NOW,
        "run_id": "r0",
        "artifact_path": "clf",
    }
    record = DeploymentRecord.from_json(first)
    assert record.current == VersionRecord(1, "r0", "clf", None, "ann", NOW)
    assert record.port is None and record.desired == "stopped"
    with pytest.raises(NotFound):
        record.find(2)


async def test_the_state_file_is_private_and_reads_back(tmp_path: Path) -> None:
    root = tmp_path / "deployments"
    files = DeploymentFiles(root, log_lines=10, log_file_bytes=1024)
    assert files.load() == [] and not files.stored("iris")

    records = [_record("iris"), _record("wine")]
    await asyncio.gather(files.save(lambda: records[:1]), files.save(lambda: records))

    assert files.load() == records and files.stored("wine")
    assert json.loads(files.state_file.read_text())["deployments"][0]["port"] == 41234
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(files.state_file.stat().st_mode) == 0o600
    assert files.model_dir("iris", 2) == root / "iris" / "v2" / "model"


async def test_a_deployments_state_starts_stopped_and_signals_each_change(
    tmp_path: Path,
) -> None:
    files = DeploymentFiles(tmp_path / "deployments", log_lines=10, log_file_bytes=1024)
    state = files.state(_record())
    assert state.name == "iris" and state.status == DeploymentStatus.STOPPED
    assert stat.S_IMODE(files.folder("iris").stat().st_mode) == 0o700

    changed = state.changed
    state.status = DeploymentStatus.STARTING
    assert changed.is_set() and not state.changed.is_set()


async def test_a_stopped_deployment_on_the_wire_has_its_route_and_no_endpoint(
    tmp_path: Path,
) -> None:
    from jupyterlab_mlplatform.deploy.manager.wire import deployment_to_wire

    files = DeploymentFiles(tmp_path / "deployments", log_lines=10, log_file_bytes=1024)
    wire = deployment_to_wire(files.state(_record()), "/user/ann/", "::1")
    assert wire.url == "/user/ann/mlplatform/api/deployments/iris/invocations"
    assert wire.endpoint is None and wire.port is None and wire.pid is None
    assert (wire.version, wire.run_id, wire.flavor) == (2, "r2", None)
    assert [v.version for v in wire.versions] == [1, 2]
