"""Wire models of shared editing: who ran what, the activity feed, whether co-editing is on.

``src/api/collab.ts`` mirrors them as ``I*`` interfaces.

Two of them also travel inside the shared notebook:

- :class:`ExecutionRecord` is written by the server into a code cell's metadata under
  ``metadata.mlplatform.execution`` (:data:`CELL_METADATA_KEY` / :data:`EXECUTION_KEY`) each
  time the cell is executed: who sent the execute request (the server's identity of the
  kernel websocket, never a name the client or the code claims), when, with what result and
  which runs it created.  Its ``sig`` is an HMAC under the server's attribution key; the
  server removes records whose signature does not match, so a client cannot forge one.
- :class:`CollabUser` is the person in those records and in the activity feed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from ..tracking.models import WireModel

CELL_METADATA_KEY = "mlplatform"
"""The cell metadata key of everything the platform writes into a cell."""
EXECUTION_KEY = "execution"
"""``metadata.mlplatform.execution``: the cell's last :class:`ExecutionRecord`."""


class CollabUser(WireModel):
    """A person, as jupyter-server identifies them (``jupyter_server.auth.User``)."""

    username: str
    name: str
    display_name: str
    initials: str | None = None
    color: str | None = None
    """A CSS colour when the identity provider gives one; the lab picks one otherwise."""
    avatar_url: str | None = None

    @classmethod
    def from_identity(cls, user: Any) -> CollabUser:
        """From a ``jupyter_server.auth.User`` (or anything with its attributes)."""
        username = str(getattr(user, "username", None) or "unknown")
        name = str(getattr(user, "name", None) or username)
        display_name = str(getattr(user, "display_name", None) or name)
        initials = getattr(user, "initials", None) or _initials(display_name)
        return cls(
            username=username,
            name=name,
            display_name=display_name,
            initials=initials,
            color=getattr(user, "color", None) or None,
            avatar_url=getattr(user, "avatar_url", None) or None,
        )


def _initials(name: str) -> str:
    parts = [part for part in name.replace("_", " ").split() if part]
    return "".join(part[0] for part in parts[:2]).upper() or "?"


class ExecutionStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    ERROR = "error"
    ABORTED = "aborted"


class ExecutionRecord(WireModel):
    """Who last ran a code cell, written by the server into the live notebook."""

    user: CollabUser
    started: int
    """When the server received the execute request (ms since the epoch, server clock)."""
    ended: int | None = None
    """When the kernel replied (ms); None while it runs."""
    status: ExecutionStatus = ExecutionStatus.RUNNING
    execution_count: int | None = None
    kernel_id: str
    runs: list[str] = Field(default_factory=list)
    """Ids of the runs this execution created, in creation order."""
    sig: str = ""
    """HMAC of the record (without ``sig``) and the cell id, under the server's key."""


# -- the activity feed ---------------------------------------------------------------------


class ActivityRun(WireModel):
    """A run an execution created, as it was when the item last changed."""

    run_id: str
    name: str
    experiment_id: str
    status: str
    metrics: dict[str, float | str] = Field(default_factory=dict)
    """Latest value of each metric (NaN and infinities as MLflow's strings)."""


DeploymentAction = Literal[
    "created", "version_added", "rolled_back", "stopped", "started", "restarted", "deleted"
]


class ActivityDeployment(WireModel):
    name: str
    action: DeploymentAction
    version: int | None = None
    run_id: str | None = None


class ActivityItem(WireModel):
    """One line of the activity feed: an execution, or something done to a deployment."""

    id: int
    """Increases by one per item, per server (also across restarts)."""
    time: int
    """When it happened (ms since the epoch, server clock)."""
    kind: Literal["execution", "deployment"]
    user: CollabUser
    # -- execution
    notebook_path: str | None = None
    cell_id: str | None = None
    cell_index: int | None = None
    """The cell's position in the notebook when it ran (0-based), when the notebook was open."""
    execution_count: int | None = None
    status: ExecutionStatus | None = None
    runs: list[ActivityRun] = Field(default_factory=list)
    # -- deployment
    deployment: ActivityDeployment | None = None


class ActivityPage(WireModel):
    items: list[ActivityItem]
    """Newest first."""
    next_before: int | None = None
    """Pass as ``before`` for the page of older items; None on the last page."""


class ActivityEvent(WireModel):
    """Sent on the ``mlplatform/api/events`` websocket when the feed changes."""

    type: Literal["activity_added", "activity_updated"]
    item: ActivityItem


class CollabStatus(WireModel):
    """Whether notebooks are co-edited on this server (``GET mlplatform/api/collaboration``)."""

    enabled: bool
    reason: Literal["disabled", "not_installed"] | None = None
    """Why not: ``--YDocExtension.disable_rtc``, or jupyter-collaboration is not installed."""
    message: str = ""
    """A sentence for people, saying why co-editing is off and how to turn it on."""
