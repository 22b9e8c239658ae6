"""The deployment manager: scoring-server processes for models logged in runs.

Framework-free (no tornado): the REST layer is :mod:`jupyterlab_mlplatform.deploy.handlers`.
"""

from __future__ import annotations

from .manager import DeploymentManager
from .models import Deployment, DeploymentCreate, DeploymentStatus, DeploymentUpdate

__all__ = [
    "Deployment",
    "DeploymentCreate",
    "DeploymentManager",
    "DeploymentStatus",
    "DeploymentUpdate",
]
