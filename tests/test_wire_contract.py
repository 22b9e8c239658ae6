"""The TypeScript wire types in ``src/api/*.ts`` match the pydantic wire models.

Every pydantic model and typed dict of the REST API and its events (the modules
``platform_openapi/document.py`` builds the document from) has an interface ``I<Model>`` in
``src/api``, with the same field names, the same optionality and the same basic types:
string, number, boolean, null, string literal unions, objects, and arrays and records with
the kinds of their items.
Models without a mirror (``WITHOUT_TS_MIRROR``) and interfaces without a model (``TS_ONLY``)
are listed with the reason. The TypeScript side is read by the TypeScript compiler itself
(``tests/ts_interfaces.js``), so aliases, unions and ``extends`` are resolved as ``tsc`` sees
them. A nested model is compared as ``object`` only: it is checked on its own, as a model of
this list.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from typing_extensions import is_typeddict

from jupyterlab_mlplatform.autolog.server import models as autolog_models
from jupyterlab_mlplatform.collab import models as collab_models
from jupyterlab_mlplatform.deploy.manager import models as deploy_models
from jupyterlab_mlplatform.platform_openapi import OPERATIONS
from jupyterlab_mlplatform.tracking import models as tracking_models

ROOT = Path(__file__).resolve().parent.parent
TYPESCRIPT = ROOT / "node_modules" / "typescript"

WIRE_MODULES: tuple[ModuleType, ...] = (
    tracking_models,
    collab_models,
    deploy_models,
    autolog_models,
)

WITHOUT_TS_MIRROR: dict[str, str] = {
    "WireModel": "the base class of the wire models, with no fields",
    "LoggedModel": "served by the MLflow-compatible API only (mlflow_api), not by src/api",
    "LoggedModelCreate": "served by the MLflow-compatible API only",
    "LoggedModelUpdate": "served by the MLflow-compatible API only",
    "ModelOutput": "served by the MLflow-compatible API only",
    "DatasetInput": "served by the MLflow-compatible API only",
    "RunInputs": "served by the MLflow-compatible API only",
    "DatasetSummary": "served by the MLflow-compatible API only",
    "ModelMetric": "served by the MLflow-compatible API only",
}
"""Wire models that deliberately have no TypeScript interface, and why."""

TS_ONLY: dict[str, str] = {
    "ICapturedFile": "artifact paths that autolog writes, not a body of the REST API",
    "ICodePathCell": "a cell of the code_path.json artifact that autolog writes, not REST",
    "ICodePathCells": "the code_path.json artifact that autolog writes, not a body of REST",
    "IPresenceLocation": "the client's own awareness state in a shared notebook, not REST",
    "IDeploymentMetadata": "the scoring server's /metadata, passed through as raw JSON",
    "IInvocationResult": "the client's summary of a scoring request (status, time, body)",
    "IModelPackageRef": "the client's reference to a run's model package",
    "IErrorDetails": "the details of the Error schema, written by hand in the OpenAPI document",
}
"""Interfaces of ``src/api`` that mirror no pydantic model, and why."""


def _wire_models() -> dict[str, Any]:
    """The pydantic models and typed dicts of the wire modules, by name."""
    found: dict[str, Any] = {}
    for module in WIRE_MODULES:
        for name, value in vars(module).items():
            if not inspect.isclass(value) or value.__module__ != module.__name__:
                continue
            if issubclass(value, BaseModel) or is_typeddict(value):
                found[name] = value
    for op in OPERATIONS:
        for model in (op.body, op.response):
            if model is not None:
                found[model.__name__] = model
    return found


WIRE_MODELS = _wire_models()
REQUEST_BODIES = {op.body.__name__ for op in OPERATIONS if op.body is not None}


@cache
def _ts_interfaces() -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "the wire contract test needs node (Node 20, as `make install`)"
    assert TYPESCRIPT.is_dir(), "the wire contract test needs node_modules (jlpm install)"
    files = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "src" / "api").glob("*.ts"))
    result = subprocess.run(
        [node, str(ROOT / "tests" / "ts_interfaces.js"), str(TYPESCRIPT), *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    interfaces: dict[str, Any] = json.loads(result.stdout)
    return interfaces


def _kinds(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """The basic kinds of a JSON schema, in the vocabulary of ``ts_interfaces.js``."""
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        if "properties" in target or target.get("type") == "object":
            return {"object"}
        return _kinds(target, defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return set().union(*(_kinds(part, defs) for part in schema[key]))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _kinds(schema["allOf"][0], defs)
    if "const" in schema:
        return {_literal(schema["const"])}
    if "enum" in schema:
        return {_literal(value) for value in schema["enum"]}
    kind = schema.get("type")
    if kind is None:
        return {"any"}
    kinds = set(kind) if isinstance(kind, list) else {kind}
    names = {"integer": "number", "number": "number", "string": "string", "boolean": "boolean"}
    names |= {"null": "null"}
    result = {names[k] for k in kinds - {"array", "object"}}
    if "array" in kinds:
        result.add(_container("array", schema.get("items", {}), defs))
    if "object" in kinds:
        values = schema.get("additionalProperties", {})
        result.add(_container("record", values if isinstance(values, dict) else {}, defs))
    return result


def _container(name: str, items: dict[str, Any], defs: dict[str, Any]) -> str:
    kinds = _kinds(items, defs)
    return name if "any" in kinds else f"{name}[{'|'.join(sorted(kinds))}]"


def _comparable(python: set[str], ts: set[str]) -> tuple[set[str], set[str]]:
    """Both sides with item kinds dropped where one side leaves them open (``any``)."""
    bare = {kind for kind in python | ts if kind in ("array", "record")}

    def erase(kinds: set[str]) -> set[str]:
        return {kind.split("[", 1)[0] if kind.split("[", 1)[0] in bare else kind for kind in kinds}

    return erase(python), erase(ts)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number"}[type(value)]


def _python_fields(model: Any) -> dict[str, tuple[bool, set[str]]]:
    """Each field's (optional, kinds): optional means the field has a default."""
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    mode = "validation" if model.__name__ in REQUEST_BODIES else "serialization"
    schema = adapter.json_schema(mode=mode)
    defs = schema.get("$defs", {})
    required = set(adapter.json_schema(mode="validation").get("required", []))
    return {
        name: (name not in required, _kinds(prop, defs))
        for name, prop in schema.get("properties", {}).items()
    }


def _differences(model: Any, interface: dict[str, Any]) -> list[str]:
    python = _python_fields(model)
    ts = interface["fields"]
    problems = [f"{name}: missing in TypeScript" for name in python.keys() - ts.keys()]
    problems += [f"{name}: not in the model" for name in ts.keys() - python.keys()]
    is_body = model.__name__ in REQUEST_BODIES
    for name in sorted(python.keys() & ts.keys()):
        optional, kinds = python[name]
        ts_optional, ts_kinds = ts[name]["optional"], set(ts[name]["types"])
        if ts_optional and not optional:
            problems.append(f"{name}: optional in TypeScript, required in the model")
        if is_body and optional and not ts_optional:
            problems.append(f"{name}: required in TypeScript, has a default in the model")
        kinds, ts_kinds = _comparable(kinds, ts_kinds)
        if "any" not in kinds and "any" not in ts_kinds and kinds != ts_kinds:
            problems.append(f"{name}: {sorted(kinds)} in the model, {sorted(ts_kinds)} in TS")
    return problems


def test_the_wire_model_list_is_complete() -> None:
    """The list finds the models the OpenAPI document names; the allowlist names none of them."""
    documented = {m.__name__ for op in OPERATIONS for m in (op.body, op.response) if m}
    documented |= {"RunEvent", "ExperimentEvent", "MetricsEvent", "MetricPoint"}
    assert documented <= WIRE_MODELS.keys()
    assert WITHOUT_TS_MIRROR.keys() <= WIRE_MODELS.keys()
    assert WITHOUT_TS_MIRROR.keys().isdisjoint(documented)


def test_every_interface_of_src_api_mirrors_a_model_or_is_listed() -> None:
    mirrors = {f"I{name}" for name in WIRE_MODELS}
    unlisted = _ts_interfaces().keys() - mirrors - TS_ONLY.keys()
    assert unlisted == set(), "a model for each, or an entry in TS_ONLY"
    assert TS_ONLY.keys() <= _ts_interfaces().keys(), "TS_ONLY names a removed interface"


@pytest.mark.parametrize(
    "name", sorted(name for name in WIRE_MODELS if name not in WITHOUT_TS_MIRROR)
)
def test_typescript_interface_matches_the_model(name: str) -> None:
    interfaces = _ts_interfaces()
    interface = interfaces.get(f"I{name}")
    assert interface is not None, f"no interface I{name} in src/api/*.ts"
    assert _differences(WIRE_MODELS[name], interface) == [], interface["file"]
