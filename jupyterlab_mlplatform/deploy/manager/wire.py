"""The deployment manager's state as the REST API shows it (:mod:`.models`)."""

from __future__ import annotations

from datetime import datetime

from .models import Deployment, DeploymentStatus, DeploymentVersion, ParityCheck
from .state import DeploymentState, VersionRecord


def version_to_wire(version: VersionRecord) -> DeploymentVersion:
    return DeploymentVersion(
        version=version.version,
        run_id=version.run_id,
        artifact_path=version.artifact_path,
        flavor=version.flavor,
        created_by=version.created_by,
        created_at=datetime.fromisoformat(version.created_at),
        parity=_parity(version),
    )


def _parity(version: VersionRecord) -> ParityCheck | None:
    return None if version.parity is None else ParityCheck.model_validate(version.parity)


def deployment_to_wire(state: DeploymentState, base_url: str, public_host: str) -> Deployment:
    """``base_url``: the Jupyter server's (ending in ``/``), for the proxied route;
    ``public_host``: the name callers elsewhere use for the deployment's own port."""
    record = state.record
    current = record.current
    process = state.process if state.status != DeploymentStatus.STOPPED else None
    alive = process is not None and not process.exited
    port = state.listener.getsockname()[1] if state.listener is not None else None
    host = f"[{public_host}]" if ":" in public_host else public_host
    return Deployment(
        name=record.name,
        status=state.status,
        version=record.version,
        run_id=current.run_id,
        artifact_path=current.artifact_path,
        flavor=current.flavor,
        url=f"{base_url}mlplatform/api/deployments/{record.name}/invocations",
        endpoint=f"http://{host}:{port}/invocations" if port is not None else None,
        port=port,
        pid=process.pid if alive and process is not None else None,
        workers=record.workers,
        restarts=state.restarts,
        error=state.error,
        created_by=record.created_by,
        created_at=datetime.fromisoformat(record.created_at),
        started_at=state.started_at,
        versions=[version_to_wire(v) for v in record.versions],
        parity=_parity(current),
    )
