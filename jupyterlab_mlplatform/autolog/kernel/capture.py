"""What a tracked cell leaves beside its run: code, code path, output, environment, git state.

The paths are the ones the run detail shows (``src/api/capture.ts``).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from collections import deque
from dataclasses import dataclass

CAPTURE_DIR = "mlplatform"
CELL = f"{CAPTURE_DIR}/cell.py"
CODE_PATH = f"{CAPTURE_DIR}/code_path.py"
CODE_PATH_CELLS = f"{CAPTURE_DIR}/code_path.json"
GIT_DIFF = f"{CAPTURE_DIR}/git.diff"
ENVIRONMENT = f"{CAPTURE_DIR}/environment.json"
REQUIREMENTS = f"{CAPTURE_DIR}/requirements.txt"
OUTPUT = f"{CAPTURE_DIR}/output.txt"

MAX_CODE_PATH_CELLS = 2000
MAX_DIFF_BYTES = 5 * 1024**2
GIT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ExecutedCell:
    execution_count: int
    cell_id: str | None
    source: str


class CodePath:
    """The cells this kernel executed, in order (the code that produced its state)."""

    def __init__(self, limit: int = MAX_CODE_PATH_CELLS) -> None:
        self._cells: deque[ExecutedCell] = deque(maxlen=limit)

    def append(self, cell: ExecutedCell) -> None:
        self._cells.append(cell)

    def snapshot(self) -> list[ExecutedCell]:
        return list(self._cells)


def cell_files(source: str, before: list[ExecutedCell], output: str) -> dict[str, bytes]:
    files = {
        CELL: source.encode(),
        CODE_PATH: render_code_path(before).encode(),
        CODE_PATH_CELLS: code_path_cells(before).encode(),
    }
    if output:
        files[OUTPUT] = output.encode()
    return files


def render_code_path(cells: list[ExecutedCell]) -> str:
    """The cells as a percent-format script (``# %%`` separators), oldest first."""
    lines = [
        "# The cells this kernel executed before the run's cell, oldest first.",
        f"# {len(cells)} cell(s); each '# %%' line gives its execution count and cell id.",
        "",
    ]
    for cell in cells:
        lines.append(f"# %% In [{cell.execution_count}] cell {cell.cell_id or 'unknown'}")
        lines.append(cell.source.rstrip("\n"))
        lines.append("")
    return "\n".join(lines)


def code_path_cells(cells: list[ExecutedCell]) -> str:
    """The same cells as JSON, for readers that align them by cell id (Compare's Code tab):
    ``{"cells": [{"execution_count", "cell_id", "source"}, ...]}``, oldest first."""
    return json.dumps(
        {
            "cells": [
                {
                    "execution_count": cell.execution_count,
                    "cell_id": cell.cell_id,
                    "source": cell.source,
                }
                for cell in cells
            ]
        }
    )


def environment_files() -> dict[str, bytes]:
    packages: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name and name not in packages:
            packages[name] = dist.version
    ordered = dict(sorted(packages.items(), key=lambda item: item[0].lower()))
    environment = {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "packages": ordered,
    }
    requirements = "".join(f"{name}=={version}\n" for name, version in ordered.items())
    return {
        ENVIRONMENT: json.dumps(environment, indent=2).encode(),
        REQUIREMENTS: requirements.encode(),
    }


def git_state(folder: str | None = None) -> tuple[dict[str, str], bytes]:
    """Tags for the commit, branch and remote of the repository holding ``folder``, and
    the uncommitted diff against HEAD (with the untracked files listed); empty outside git."""
    where = folder or os.getcwd()
    commit = _git(where, "rev-parse", "HEAD")
    if commit is None:
        return {}, b""
    tags = {"mlflow.source.git.commit": commit}
    branch = _git(where, "rev-parse", "--abbrev-ref", "HEAD")
    if branch and branch != "HEAD":
        tags["mlflow.source.git.branch"] = branch
    remote = _git(where, "config", "--get", "remote.origin.url")
    if remote:
        tags["mlflow.source.git.repoURL"] = _without_credentials(remote)
    diff = _git(where, "diff", "HEAD", "--no-color", "--no-ext-diff", strip=False) or ""
    untracked = _git(where, "ls-files", "--others", "--exclude-standard") or ""
    tags["mlplatform.git.dirty"] = "true" if diff or untracked else "false"
    text = diff
    if untracked:
        text += "\n# Untracked files (not in the diff):\n" + "".join(
            f"#   {name}\n" for name in untracked.splitlines()
        )
    data = text.encode()
    if len(data) > MAX_DIFF_BYTES:
        data = data[:MAX_DIFF_BYTES] + b"\n# ... diff cut at 5 MB\n"
    return tags, data


def _git(folder: str, *args: str, strip: bool = True) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    text = done.stdout.decode(errors="replace")
    return text.strip() if strip else text


def _without_credentials(url: str) -> str:
    return re.sub(r"(://)[^/@]+@", r"\1", url)
