"""``GET /openapi.json``: an OpenAPI 3.1 document whose request bodies are generated from
the model's signature, one schema per accepted format, with the input example as example.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from jupyterlab_mlplatform.deploy.model import Signature, TensorSpec

from .formats import FORMATS

_JSON_TYPES: dict[str, dict[str, Any]] = {
    "double": {"type": "number"},
    "float": {"type": "number"},
    "long": {"type": "integer"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "binary": {"type": "string", "contentEncoding": "base64"},
    "datetime": {"type": "string", "format": "date-time"},
}


def _value(type_: str, required: bool) -> dict[str, Any]:
    schema = dict(_JSON_TYPES.get(type_, {}))
    if not required and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def _tensor(spec: TensorSpec) -> dict[str, Any]:
    kind = spec.dtype.rstrip("0123456789")
    item: dict[str, Any] = {
        "float": {"type": "number"},
        "int": {"type": "integer"},
        "uint": {"type": "integer"},
        "bool": {"type": "boolean"},
    }.get(kind, {"type": "string"} if kind in ("str", "object") else {})
    for size in reversed(spec.shape):
        item = {"type": "array", "items": item}
        if size != -1:
            item["minItems"] = item["maxItems"] = size
    return item


def request_schemas(signature: Signature | None) -> dict[str, dict[str, Any]]:
    """The JSON schema of each accepted format's body for ``signature``."""
    if signature is None:
        any_rows: dict[str, Any] = {"type": "array", "items": {}}
        return {
            "dataframe_split": _wrap(
                "dataframe_split",
                {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "data": {"type": "array", "items": any_rows},
                        "index": {"type": "array"},
                    },
                },
            ),
            "dataframe_records": _wrap("dataframe_records", {"type": "array", "items": {}}),
            "instances": _wrap("instances", {}),
            "inputs": _wrap("inputs", {}),
        }
    if isinstance(signature.inputs, TensorSpec):
        tensor = _tensor(signature.inputs)
        return {
            "dataframe_split": _wrap(
                "dataframe_split",
                {"type": "object", "required": ["data"], "properties": {"data": tensor}},
            ),
            "instances": _wrap("instances", tensor),
            "inputs": _wrap("inputs", tensor),
        }
    specs = signature.inputs
    named = all(spec.name is not None for spec in specs)
    row = {
        "type": "array",
        "prefixItems": [_value(spec.type, spec.required) for spec in specs],
        "minItems": len(specs),
        "maxItems": len(specs),
    }
    split_properties: dict[str, Any] = {
        "data": {"type": "array", "minItems": 1, "items": row},
        "index": {"type": "array"},
    }
    schemas: dict[str, dict[str, Any]] = {}
    if named:
        names = [str(spec.name) for spec in specs]
        split_properties["columns"] = {
            "type": "array",
            "items": {"enum": names},
            "uniqueItems": True,  # a column sent twice is refused
        }
        record = {
            "type": "object",
            "properties": {str(s.name): _value(s.type, s.required) for s in specs},
            "required": [str(s.name) for s in specs if s.required],
        }
        columns = {
            "type": "object",
            "properties": {
                str(s.name): {"type": "array", "items": _value(s.type, s.required)} for s in specs
            },
            "required": [str(s.name) for s in specs if s.required],
        }
        records = {"type": "array", "minItems": 1, "items": record}
        schemas["dataframe_split"] = _wrap(
            "dataframe_split",
            {"type": "object", "required": ["data"], "properties": split_properties},
        )
        schemas["dataframe_records"] = _wrap("dataframe_records", records)
        schemas["instances"] = _wrap("instances", records)
        schemas["inputs"] = _wrap("inputs", {"oneOf": [columns, records]})
    else:
        rows = {"type": "array", "minItems": 1, "items": row}
        schemas["dataframe_split"] = _wrap(
            "dataframe_split",
            {"type": "object", "required": ["data"], "properties": split_properties},
        )
        schemas["instances"] = _wrap("instances", rows)
        schemas["inputs"] = _wrap("inputs", rows)
    return schemas


def _wrap(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [name],
        "properties": {name: schema, "params": {"type": "object"}},
        "additionalProperties": False,
    }


def _examples(example: dict[str, Any] | None, formats: list[str]) -> dict[str, Any]:
    """The input example (a ``dataframe_split`` or ``inputs`` payload) in each format."""
    if not example:
        return {}
    out: dict[str, Any] = {}
    if "inputs" in example:
        out["inputs"] = example
        out["instances"] = {"instances": example["inputs"]}
        return {k: {"value": v} for k, v in out.items() if k in formats}
    split = example.get("dataframe_split", {})
    out["dataframe_split"] = example
    columns, data = split.get("columns"), split.get("data", [])
    if columns:
        records = [dict(zip(columns, row, strict=False)) for row in data]
        out["dataframe_records"] = {"dataframe_records": records}
        out["instances"] = {"instances": records}
        out["inputs"] = {"inputs": {c: [row[i] for row in data] for i, c in enumerate(columns)}}
    else:
        out["instances"] = {"instances": data}
        out["inputs"] = {"inputs": data}
    return {k: {"value": v} for k, v in out.items() if k in formats}


def _csv_example(example: dict[str, Any] | None) -> dict[str, Any]:
    """The input example as a CSV body (a header line, then rows), when it has columns."""
    split = (example or {}).get("dataframe_split") or {}
    columns, data = split.get("columns"), split.get("data")
    if not columns or not isinstance(data, list):
        return {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(data)
    return {"example": buffer.getvalue()}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document(
    signature: Signature | None,
    example: dict[str, Any] | None,
    *,
    title: str,
    version: str,
    authenticated: bool,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of this deployment's scoring server."""
    schemas = request_schemas(signature)
    examples = _examples(example, list(schemas))
    csv_columns = (
        ", ".join(str(c.name) for c in signature.inputs)
        if signature is not None and not isinstance(signature.inputs, TensorSpec)
        else ""
    )
    components: dict[str, Any] = {
        "schemas": {
            **{f"Request_{name}": schema for name, schema in schemas.items()},
            "Predictions": {
                "type": "object",
                "required": ["predictions"],
                "properties": {"predictions": {}},
            },
            "Error": {
                "type": "object",
                "required": ["error_code", "message"],
                "properties": {
                    "error_code": {"type": "string"},
                    "message": {"type": "string"},
                    "column": {"type": "string", "description": "The input column at fault."},
                },
            },
        }
    }
    security: list[dict[str, list[str]]] = []
    if authenticated:
        components["securitySchemes"] = {"apiKey": {"type": "http", "scheme": "bearer"}}
        security = [{"apiKey": []}]
    json_media: dict[str, Any] = {
        "schema": {"oneOf": [{"$ref": f"#/components/schemas/Request_{n}"} for n in schemas]}
    }
    if examples:
        json_media["examples"] = examples
    invocations: dict[str, Any] = {
        "summary": "Predict",
        "operationId": "invocations",
        "description": "MLflow's scoring formats: exactly one of "
        + ", ".join(f"`{f}`" for f in FORMATS if f in schemas)
        + "; or a CSV body with a header line"
        + (f" ({csv_columns})." if csv_columns else "."),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": json_media,
                "text/csv": {"schema": {"type": "string"}, **_csv_example(example)},
            },
        },
        "responses": {
            "200": {
                "description": "One prediction per input row.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Predictions"}}
                },
            },
            "400": _error("Malformed body, or input that does not match the signature."),
            "413": _error("The body is larger than the server's limit."),
            "415": _error("The Content-Type is neither application/json nor text/csv."),
            "503": _error("The model is not loaded yet."),
        },
    }
    if authenticated:
        invocations["responses"]["401"] = _error("Missing, invalid or revoked API key.")
    protected: dict[str, Any] = {"security": security} if authenticated else {}
    refused: dict[str, Any] = (
        {"401": _error("Missing, invalid or revoked API key.")} if authenticated else {}
    )
    plain: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": {}}}}
    }
    paths: dict[str, Any] = {
        "/invocations": {"post": {**invocations, **protected}},
        "/health": {
            "get": {
                "summary": "Liveness and readiness",
                "responses": {**plain, "503": _error("The model is not loaded yet.")},
            }
        },
        "/metadata": {
            "get": {
                "summary": "The model, its signature, run and version",
                "responses": {**plain, **refused},
                **protected,
            }
        },
        "/openapi.json": {
            "get": {"summary": "This document", "responses": {**plain, **refused}, **protected}
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **refused,
                },
                **protected,
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": components,
    }
