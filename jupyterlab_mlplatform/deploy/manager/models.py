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


class Deployment(BaseModel):
    name: str
    status: DeploymentStatus
    version: int
    run_id: str
    artifact_path: str
    url: str
    """The proxied invocations route, relative to the Jupyter server's base URL."""
    port: int | None = None
    pid: int | None = None
    workers: int
    restarts: int = 0
    error: str | None = None
    created_by: str | None = None
    created_at: datetime
    started_at: datetime | None = None


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

    action: Literal["stop", "start", "restart"]
    workers: int | None = Field(None, ge=1, le=8)


class DeploymentLogs(BaseModel):
    name: str
    lines: list[str]
