"""Shared editing's files in the data dir are private whatever the umask: the YStore (and its
SQLite journal files), the session store, the activity feed and the signing key."""

from __future__ import annotations

import os
import stat
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def mlp_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def mlp_data_dir(tmp_path: Path, mlp_umask: None) -> Path:
    """Not made here: the server creates it."""
    return tmp_path / "data" / "mlplatform"


async def test_co_editing_files_are_private(
    mlp_collaborators: Callable[..., Awaitable[list[Any]]],
    mlp_notebook: Callable[..., str],
    mlp_data_dir: Path,
) -> None:
    # Given a notebook co-edited by two people (the YStore records their edits)
    path = mlp_notebook("shared.ipynb", ["x = 1"])
    alice, bob = await mlp_collaborators(path, ["alice", "bob"])
    alice.notebook.ycells[0]["source"].insert(0, "# alice\n")
    await bob.wait_for(lambda c=bob: c.sources()[0].startswith("# alice"), "the edit")
    # Then everything in the data dir is private
    collab = mlp_data_dir / "collaboration"
    found = {str(p.relative_to(mlp_data_dir)): p for p in mlp_data_dir.rglob("*")}
    assert any(name.startswith("collaboration/ystore.db") for name in found), sorted(found)
    wrong = {
        name: oct(stat.S_IMODE(p.lstat().st_mode))
        for name, p in [(".", mlp_data_dir), *found.items()]
        if stat.S_IMODE(p.lstat().st_mode) != (0o700 if p.is_dir() else 0o600)
    }
    assert wrong == {}, wrong
    assert collab.is_dir()
