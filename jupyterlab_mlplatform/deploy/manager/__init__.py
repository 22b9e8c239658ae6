"""The deployment manager: scoring-server processes for models logged in runs.

Framework-free (no tornado): the REST layer is :mod:`jupyterlab_mlplatform.deploy.handlers`.

- :mod:`.manager`: :class:`DeploymentManager`, the facade (a configurable) the app and the
  handlers use
- :mod:`.state`: the stored records, the deployments' files and each one's live state
- :mod:`.supervisor`: sockets, starts, version switches, health checks, restarts, stops
- :mod:`.process`: one scoring-server process and its output
- :mod:`.forkserver_client`: the manager's side of the warm fork server
- :mod:`.package_copy`: a run's model package copied into a deployment's folder
- :mod:`.api_keys`: a deployment's API keys
- :mod:`.wire`: a deployment as the REST API shows it (:mod:`.models`)
- :mod:`.stats`: traffic figures read from a scoring server's metrics
"""

from __future__ import annotations

from ...errors import DeploymentUnavailable, VersionFailed
from .manager import DeploymentManager
from .models import Deployment, DeploymentCreate, DeploymentStatus, DeploymentUpdate

__all__ = [
    "Deployment",
    "DeploymentCreate",
    "DeploymentManager",
    "DeploymentStatus",
    "DeploymentUnavailable",
    "DeploymentUpdate",
    "VersionFailed",
]
