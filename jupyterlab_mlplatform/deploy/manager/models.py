"""Wire models of the deployments API (mirrored in ``src/api/``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class DeploymentStatus(StrEnum):
    STARTING = "starting"
    HEALTHY = "healthy"
    RESTARTING = "restarting"
    STOPPED = "stopped"
    FAILED = "failed"


class ParityCheck(BaseModel):
    """The check of a version's scoring server against its package's parity sample: its
    answers must equal the in-kernel model's predictions kept at packaging time (labels,
    integers and strings exactly, floats within ``rtol`` and ``atol``)."""

    status: Literal["ok", "mismatch", "not_checked"]
    """``not_checked``: the package has no parity sample (an older format)."""
    rows: int
    """Rows checked: the input example and up to 1,000 training rows."""
    max_abs_diff: float | None = None
    differing_rows: list[int] = []
    """The first differing rows (indexes into the sample; the example's rows come first)."""
    differing_count: int = 0
    rtol: float | None = None
    atol: float | None = None
    message: str | None = None


class DeploymentVersion(BaseModel):
    """One model a deployment has served (version numbers only grow)."""

    version: int
    run_id: str
    artifact_path: str
    flavor: str | None = None
    created_by: str | None = None
    created_at: datetime
    parity: ParityCheck | None = None
    """The last parity check of this version; None before it was ever started."""


class Deployment(BaseModel):
    name: str
    status: DeploymentStatus
    version: int
    """The version being served (or to be served when started)."""
    run_id: str
    artifact_path: str
    flavor: str | None = None
    url: str
    """The proxied invocations route, an absolute path under the Jupyter server's base URL."""
    endpoint: str | None = None
    """The deployment's own ``/invocations`` URL for callers outside Jupyter (they send
    ``Authorization: Bearer <key>``); None while it is stopped."""
    port: int | None = None
    pid: int | None = None
    workers: int
    restarts: int = 0
    error: str | None = None
    created_by: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    versions: list[DeploymentVersion] = []
    """Every version, oldest first."""
    parity: ParityCheck | None = None
    """The parity check of the version served (or that failed to start)."""


class DeploymentList(BaseModel):
    deployments: list[Deployment]


class DeploymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    run_id: str = Field(min_length=1, max_length=256)
    artifact_path: str = Field("model", min_length=1, max_length=1024)
    workers: int = Field(1, ge=1, le=8)


class DeploymentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["stop", "start", "restart", "rollback"]
    workers: int | None = Field(None, ge=1, le=8)
    version: int | None = Field(None, ge=1)
    """For ``rollback``: the version to serve again (default: the one before the current)."""


class DeploymentVersionCreate(BaseModel):
    """A newer model for an existing deployment (redeploy)."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(min_length=1, max_length=256)
    artifact_path: str = Field("model", min_length=1, max_length=1024)


class DeploymentLogs(BaseModel):
    name: str
    lines: list[str]


class DeploymentStats(BaseModel):
    """Traffic of the process serving now (counters start again at each start or switch)."""

    name: str
    requests: int
    """``/invocations`` requests answered."""
    errors: int
    """``/invocations`` answers with a 4xx or 5xx status."""
    latency_mean_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    """Quantiles estimated from the latency histogram (upper bucket bounds)."""
    uptime_seconds: float | None = None


class ApiKey(BaseModel):
    """A key callers outside Jupyter send to the deployment's own port; only its prefix is
    kept in the clear."""

    id: str
    prefix: str
    name: str | None = None
    created_by: str | None = None
    created_at: datetime


class ApiKeyCreated(ApiKey):
    key: str
    """The whole key: shown once, stored only hashed."""


class ApiKeyList(BaseModel):
    keys: list[ApiKey]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100)
