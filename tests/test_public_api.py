"""The public client API: one list (``tracking.client.__all__``), exported lazily by the root."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import jupyterlab_mlplatform as mlp
from jupyterlab_mlplatform.lazy import lazy_exports
from jupyterlab_mlplatform.tracking import client
from jupyterlab_mlplatform.tracking.client import artifacts, fluent, transport

CLIENT_API = {
    "ActiveRun",
    "MLPlatformClientError",
    "ModelInfo",
    "active_run",
    "end_run",
    "flush",
    "get_run",
    "load_model",
    "log_artifact",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "start_run",
}
"""Written out here on purpose: a name added to or dropped from the API fails this test."""
FROM_ARTIFACTS = {"ModelInfo", "load_model", "log_artifact", "log_figure", "log_model"}
"""The names ``tracking/client/artifacts.py`` defines; ``fluent.py`` defines the others."""


def test_the_root_exports_the_client_list_and_the_version() -> None:
    assert set(client.__all__) == CLIENT_API
    assert len(client.__all__) == len(CLIENT_API)
    assert mlp.__all__ == ["__version__", *client.__all__]


@pytest.mark.parametrize("name", sorted(CLIENT_API))
def test_each_name_is_the_client_object(name: str) -> None:
    expected = getattr(artifacts if name in FROM_ARTIFACTS else fluent, name)
    assert getattr(mlp, name) is expected
    assert getattr(client, name) is expected


def test_the_client_error_is_the_transport_one() -> None:
    assert mlp.MLPlatformClientError is transport.MLPlatformClientError


def test_other_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'log_everything'"):
        mlp.log_everything  # noqa: B018
    assert not hasattr(mlp, "_SESSION")  # fluent's private state is not exported


def test_importing_the_package_does_not_import_the_client() -> None:
    code = (
        "import sys, jupyterlab_mlplatform as mlp\n"
        "before = 'jupyterlab_mlplatform.tracking.client.fluent' in sys.modules\n"
        "mlp.log_metric\n"
        "after = 'jupyterlab_mlplatform.tracking.client.fluent' in sys.modules\n"
        "print(before, after, 'requests' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]


def test_lazy_exports_imports_on_first_use_and_caches() -> None:
    package = types.ModuleType("lazy_probe")
    sys.modules["lazy_probe"] = package
    try:
        package.__getattr__ = lazy_exports(  # type: ignore[method-assign]
            "lazy_probe", {"dumps": "json", "missing": "json"}
        )
        import json

        assert package.dumps is json.dumps
        assert vars(package)["dumps"] is json.dumps  # later reads skip __getattr__
        with pytest.raises(AttributeError, match="'json' has no attribute 'missing'"):
            package.missing  # noqa: B018
        with pytest.raises(AttributeError, match="module 'lazy_probe' has no attribute 'x'"):
            package.x  # noqa: B018
    finally:
        del sys.modules["lazy_probe"]
