"""The map stays true: docs/architecture.md's package table names every module and package,
and the scoring server imports only what its container image ships."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp

import jupyterlab_mlplatform
from jupyterlab_mlplatform.deploy.container.context import RUNTIME_MODULES, RUNTIME_PACKAGES

PACKAGE = "jupyterlab_mlplatform"
PACKAGE_DIR = Path(jupyterlab_mlplatform.__file__).parent
ARCHITECTURE = PACKAGE_DIR.parent / "docs" / "architecture.md"
SPLIT = ("tracking", "deploy", "autolog")
"""Packages the table describes one level deeper, a row per module or package in them."""


def _units(folder: Path, prefix: str = "") -> set[str]:
    """The modules (``x.py``) and packages (``x/``) directly in ``folder``, as the table
    writes them."""
    units = set()
    for path in folder.iterdir():
        if path.suffix == ".py" and not path.name.startswith("_"):
            units.add(f"{prefix}{path.name}")
        elif path.is_dir() and (path / "__init__.py").exists():
            units.add(f"{prefix}{path.name}/")
    return units


def _map_units() -> set[str]:
    units = {"__init__.py"}
    for unit in _units(PACKAGE_DIR):
        if unit.rstrip("/") in SPLIT:
            units |= _units(PACKAGE_DIR / unit, unit)
        else:
            units.add(unit)
    return units


def _table_units() -> set[str]:
    """The backticked names in the first column of the package table."""
    names = set()
    for line in ARCHITECTURE.read_text().splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return names


def test_the_package_table_names_every_module_and_package() -> None:
    table = _table_units()
    code = _map_units()
    assert not code - table, f"add rows to {ARCHITECTURE.name} for {sorted(code - table)}"
    assert not table - code, f"{ARCHITECTURE.name} names what is gone: {sorted(table - code)}"


def _shipped(module: str) -> bool:
    """Whether the container image has ``module`` (the stub root and ``deploy`` packages,
    RUNTIME_PACKAGES and RUNTIME_MODULES)."""
    path = "/".join(module.split(".")[1:])
    return (
        any(
            path == p or path.startswith(f"{p}/") or p.startswith(f"{path}/")
            for p in RUNTIME_PACKAGES
        )
        or path == ""
        or f"{path}.py" in RUNTIME_MODULES
    )


def test_the_scoring_runtime_imports_only_what_the_image_ships() -> None:
    graph = grimp.build_graph(PACKAGE)
    runtime = [f"{PACKAGE}.{p.replace('/', '.')}" for p in RUNTIME_PACKAGES]
    imported = set().union(*(graph.find_upstream_modules(m, as_package=True) for m in runtime))
    assert imported, "the runtime packages import nothing of the package: the graph is wrong"
    missing = sorted(m for m in imported if not _shipped(m))
    assert not missing, f"the image lacks {missing}: add them to RUNTIME_MODULES or stop importing"


MAX_LINES = 500
REASON = "Why one module of over 500 lines:"
"""How a module over :data:`MAX_LINES` starts the paragraph of its docstring that says why."""


def _long_modules() -> dict[str, str]:
    """The package's modules over :data:`MAX_LINES` lines, and their text."""
    found = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "labextension" not in path.parts and len(text.splitlines()) > MAX_LINES:
            found[path.relative_to(PACKAGE_DIR).as_posix()] = text
    return found


def test_a_module_over_500_lines_says_why_at_its_top() -> None:
    long = _long_modules()
    assert long, "no module over the limit: drop REASON's paragraphs or lower MAX_LINES"
    unexplained = sorted(
        name
        for name, text in long.items()
        if REASON not in (ast.get_docstring(ast.parse(text)) or "")
    )
    assert not unexplained, f"split {unexplained} by role, or say {REASON!r} in the docstring"
