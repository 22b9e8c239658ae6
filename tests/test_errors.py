"""The domain errors: all in ``errors.py``, each with the status (and MLflow code) that every
handler answers it with."""

from __future__ import annotations

import ast
from http import HTTPStatus
from pathlib import Path

import pytest

from jupyterlab_mlplatform import errors
from jupyterlab_mlplatform.mlflow_api.error_codes import mlflow_error_code, mlflow_status

PACKAGE = Path(errors.__file__).parent

DOMAIN_ERRORS = sorted(
    (
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.MLPlatformError)
    ),
    key=lambda cls: cls.__name__,
)


def _class_bases(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.name, [ast.unparse(base) for base in node.bases])
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]


def test_no_module_but_errors_py_defines_a_domain_error() -> None:
    classes = [
        (path.relative_to(PACKAGE).as_posix(), name, bases)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "errors.py"
        for name, bases in _class_bases(path)
    ]
    names = {cls.__name__ for cls in DOMAIN_ERRORS}
    elsewhere: list[str] = []
    grown = True
    while grown:  # subclasses of subclasses defined elsewhere, too
        found = [
            f"{where}: {name}({', '.join(bases)})"
            for where, name, bases in classes
            if any(base.rsplit(".", 1)[-1] in names for base in bases)
        ]
        grown = len(found) > len(elsewhere)
        elsewhere = found
        names |= {entry.split(": ")[1].split("(")[0] for entry in found}
    assert elsewhere == []


def test_the_errors_module_imports_only_the_standard_library() -> None:
    # the scoring server's image ships it without the rest of the package or its dependencies
    tree = ast.parse((PACKAGE / "errors.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= {"__future__", "http"}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ModelPackageError("no package"), HTTPStatus.BAD_REQUEST),
        (errors.SignatureError("Missing required column 'x'.", column="x"), 400),
        (errors.DeploymentUnavailable("stopped"), HTTPStatus.SERVICE_UNAVAILABLE),
        (errors.VersionFailed("did not start"), HTTPStatus.UNPROCESSABLE_ENTITY),
        (errors.EndpointNotFound("no such endpoint"), HTTPStatus.NOT_FOUND),
        (errors.NotImplementedByServer("multipart"), HTTPStatus.NOT_IMPLEMENTED),
        (errors.FilterSyntaxError("metrics.x >", 11, "expected a value"), 400),
        (errors.OrderBySyntaxError("x desc desc", 7, "unexpected word", index=2), 400),
    ],
)
def test_each_error_carries_its_status(error: errors.MLPlatformError, status: int) -> None:
    assert isinstance(error, errors.MLPlatformError)
    assert error.status_code == status
    assert error.message == str(error)


def test_a_signature_error_names_its_column_and_is_still_a_value_error() -> None:
    error = errors.SignatureError("Column 'when' holds values that are not dates.", "when")
    assert isinstance(error, ValueError)
    assert error.column == "when"
    assert error.details == {"column": "when"}
    assert errors.SignatureError("Expected a 2-D input.").details is None


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (errors.EndpointNotFound("x"), "ENDPOINT_NOT_FOUND", 404),
        (errors.NotImplementedByServer("x"), "NOT_IMPLEMENTED", 501),
        (errors.ModelPackageError("x"), "INVALID_PARAMETER_VALUE", 400),
        (errors.SignatureError("x", "c"), "INVALID_PARAMETER_VALUE", 400),
        (errors.PayloadTooLarge("x"), "INVALID_PARAMETER_VALUE", 413),
        (errors.StoreUnavailable("x"), "TEMPORARILY_UNAVAILABLE", 503),
    ],
)
def test_the_mlflow_code_comes_from_the_error(
    error: errors.MLPlatformError, code: str, status: int
) -> None:
    assert mlflow_error_code(error, "RESOURCE_ALREADY_EXISTS") == code
    assert mlflow_status(error, "RESOURCE_ALREADY_EXISTS") == status
