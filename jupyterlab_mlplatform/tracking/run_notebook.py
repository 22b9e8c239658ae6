"""A run reopened as a notebook: its captured code path, then its training cell.

Automatic tracking leaves beside each run the cells the kernel executed before the run's
cell (``mlplatform/code_path.json``, oldest first; runs from before that file have only the
percent-format ``mlplatform/code_path.py``), the run's cell
(``mlplatform/cell.py``) and the kernel's packages (``mlplatform/requirements.txt``).  This
module turns them into an nbformat v4 notebook:

1. a markdown header: the run, its author, its source notebook and cell, its git commit;
2. a code cell that compares the run's packages with the kernel running the notebook and
   prints the differences (the kernel that reruns the code is the one that matters, and
   only it knows its packages: the server's environment may be another one);
3. the code path's cells in execution order, then the run's cell, last.

The notebook's metadata carries the source run id (``metadata.mlplatform.reproduced_from``):
automatic tracking reads it (``autolog/server/switches.py``) and tags the runs the notebook
makes with :data:`~jupyterlab_mlplatform.constants.REPRODUCED_FROM_TAG`.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from dataclasses import dataclass
from typing import Any

import nbformat

from .. import bounded_json
from ..constants import REPRODUCED_FROM_TAG
from .models import Run

CODE_PATH_CELLS = "mlplatform/code_path.json"
CODE_PATH = "mlplatform/code_path.py"
CELL = "mlplatform/cell.py"
REQUIREMENTS = "mlplatform/requirements.txt"
"""The captured files (``autolog/kernel/capture.py`` writes them, ``src/api/capture.ts``
lists them)."""

METADATA_KEY = "mlplatform"
"""The notebook metadata section of the platform (``autolog/server/switches.py``)."""

_V4: Any = nbformat.v4
"""nbformat's v4 constructors (untyped)."""

_HEADER = re.compile(r"^# %% In \[(?P<count>\d+)\] cell (?P<cell_id>\S+)$")
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
_UNSAFE_NAME = re.compile(r"[^\w.-]+")

_CHECK_CELL = '''\
# The packages of the run {run_id}, compared with this kernel's.
import importlib.metadata as _metadata
import re as _re

RUN_REQUIREMENTS = """
{requirements}"""


def _canonical(name):
    return _re.sub(r"[-_.]+", "-", name).lower()


_here = {{_canonical(d.metadata["Name"]): d.version for d in _metadata.distributions()
         if d.metadata and d.metadata["Name"]}}
_differ = []
for _line in RUN_REQUIREMENTS.split():
    _name, _, _version = _line.partition("==")
    _found = _here.get(_canonical(_name))
    if _found != _version:
        _differ.append(f"{{_name}}: run {{_version}}, here {{_found or 'not installed'}}")
if _differ:
    print(f"{{len(_differ)}} package(s) differ from the run's:")
    print("\\n".join(_differ))
else:
    print("This kernel has the run's package versions.")
'''


@dataclass(frozen=True)
class CodeCell:
    execution_count: int | None
    cell_id: str | None
    source: str


def parse_code_path(text: str) -> list[CodeCell]:
    """The cells of a captured code path, in the order they were executed."""
    cells: list[CodeCell] = []
    current: tuple[int, str | None] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is not None:
            cells.append(CodeCell(current[0], current[1], "\n".join(lines).rstrip("\n")))

    for line in text.splitlines():
        match = _HEADER.match(line)
        if match is None:
            if current is not None:
                lines.append(line)
            continue
        close()
        cell_id = match.group("cell_id")
        current = (int(match.group("count")), None if cell_id == "unknown" else cell_id)
        lines = []
    close()
    return cells


def code_path_cells(text: str) -> list[CodeCell] | None:
    """The cells of ``code_path.json``, or None when the text is not such a file (the
    caller then falls back on the percent-format script)."""
    try:
        document = bounded_json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        return None
    cells: list[CodeCell] = []
    for item in document["cells"]:
        if not isinstance(item, dict) or not isinstance(item.get("source"), str):
            return None
        count, cell_id = item.get("execution_count"), item.get("cell_id")
        cells.append(
            CodeCell(
                count if isinstance(count, int) and not isinstance(count, bool) else None,
                cell_id if isinstance(cell_id, str) and cell_id else None,
                item["source"].rstrip("\n"),
            )
        )
    return cells


def read_code_path(cells_json: str | None, script: str | None) -> list[CodeCell]:
    """The code path from the JSON file when there is a readable one, else the script."""
    if cells_json is not None:
        cells = code_path_cells(cells_json)
        if cells is not None:
            return cells
    return parse_code_path(script or "")


def build_notebook(
    run: Run, code_path: list[CodeCell], cell: str, requirements: str | None
) -> dict[str, Any]:
    """The run's code as an nbformat v4 notebook (a JSON-ready dict)."""
    notebook = _V4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[METADATA_KEY] = {"reproduced_from": run.run_id}
    notebook.cells.append(_V4.new_markdown_cell(_header(run, requirements is not None)))
    if requirements is not None:
        check = _CHECK_CELL.format(run_id=run.run_id, requirements=requirements)
        notebook.cells.append(
            _V4.new_code_cell(
                check.rstrip("\n"), metadata={METADATA_KEY: {"role": "environment-check"}}
            )
        )
    used: set[str] = set()
    steps = [*code_path]
    steps.append(CodeCell(None, run.source.cell_id, cell.rstrip("\n")))
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        metadata: dict[str, Any] = {"source_cell_id": step.cell_id}
        if step.execution_count is not None:
            metadata["execution_count"] = step.execution_count
        if last:
            metadata["role"] = "training"
        code = _V4.new_code_cell(step.source, metadata={METADATA_KEY: metadata})
        # The source cell's id when it is free: the Compare view's Code tab aligns cells
        # by id, so the reproduction lines up with the run it reproduces.
        if step.cell_id and _CELL_ID.match(step.cell_id) and step.cell_id not in used:
            code["id"] = step.cell_id
        else:
            code["id"] = uuid.uuid4().hex[:16]
        used.add(code["id"])
        notebook.cells.append(code)
    nbformat.validate(notebook)
    return dict(notebook)


def file_name(run: Run) -> str:
    """A name for the notebook: the source notebook's, the run's, ``-reproduce``."""
    stem = ""
    if run.source.notebook_path:
        stem = posixpath.splitext(posixpath.basename(run.source.notebook_path))[0]
    label = _UNSAFE_NAME.sub("-", run.name).strip("-.") or run.run_id[:8]
    parts = [part for part in (stem, label) if part]
    return "-".join(parts)[:120] + "-reproduce.ipynb"


def _header(run: Run, has_check: bool) -> str:
    commit = run.tags.get("mlflow.source.git.commit")
    if commit and run.tags.get("mlplatform.git.dirty") == "true":
        commit += " (with uncommitted changes: see the run's `mlplatform/git.diff`)"
    rows = [
        ("Run", f"{_md(run.name)} (`{run.run_id}`)"),
        ("Author", _md(run.user or "unknown")),
        (
            "Source notebook",
            f"`{run.source.notebook_path}`" if run.source.notebook_path else "unknown",
        ),
        ("Source cell", f"`{run.source.cell_id}`" if run.source.cell_id else "unknown"),
        ("Git commit", f"`{commit}`" if commit else "not in git"),
    ]
    lines = [
        f"# Reproduce run {_md(run.name)}",
        "",
        "| | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in rows),
        "",
        (
            "The cells below are the code path that produced the run, in execution order; "
            "the run's training cell is last. Running them with automatic tracking makes a "
            f'new run tagged `{REPRODUCED_FROM_TAG}` = `{run.run_id}` (shown as "reproduced '
            f'from {_md(run.name)}"); the run view puts the two side by side.'
        ),
    ]
    if has_check:
        lines += [
            "",
            (
                "The first code cell prints the packages whose versions differ between the "
                "run and this kernel."
            ),
        ]
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text.replace("\n", " "))
