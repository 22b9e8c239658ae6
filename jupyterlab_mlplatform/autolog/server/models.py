"""Wire model of ``GET mlplatform/api/autolog`` (mirrored in ``src/api/autolog.ts``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

OffReason = Literal["server", "setting", "notebook"]


class AutologStatus(BaseModel):
    enabled: bool
    reason: OffReason | None = None
    """Why it is off: the server trait, the user setting, or the notebook's metadata."""
    server_enabled: bool
    notebook_path: str | None = None
    experiment_name: str | None = None
    """Where automatic runs of this notebook go (the notebook's path)."""
    reproduced_from: str | None = None
    """The run a notebook reopened from a run reproduces (its runs are tagged with it)."""
