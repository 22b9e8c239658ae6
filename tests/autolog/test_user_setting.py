"""The user setting ``jupyterlab-mlplatform:autolog``, read by the server as JupyterLab stores it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .notebook_kernel import write_notebook

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """JupyterLab too, with our settings schema where a built labextension puts it."""
    extension = tmp_path / "labextensions" / "jupyterlab-mlplatform"
    schemas = extension / "schemas" / "jupyterlab-mlplatform"
    schemas.mkdir(parents=True)
    shutil.copy(REPO / "schema" / "autolog.json", schemas / "autolog.json")
    package = json.loads((REPO / "package.json").read_text())
    (schemas / "package.json.orig").write_text(json.dumps(package))
    (extension / "package.json").write_text(json.dumps(package))
    config = {key: dict(value) for key, value in jp_server_config.items()}
    config["ServerApp"]["jpserver_extensions"] = {
        **config["ServerApp"]["jpserver_extensions"],
        "jupyterlab": True,
    }
    config["LabApp"] = {
        "user_settings_dir": str(tmp_path / "user-settings"),
        "extra_labextensions_path": [str(tmp_path / "labextensions")],
    }
    return config


async def save_setting(jp_fetch: Any, raw: str) -> None:
    """Save the setting's JSON5 text as the settings editor does (JupyterLab's REST API)."""
    await jp_fetch(
        "lab",
        "api",
        "settings",
        "jupyterlab-mlplatform:autolog",
        method="PUT",
        body=json.dumps({"raw": raw}),
    )


async def test_the_user_setting_switches_tracking_off(
    jp_fetch: Any, jp_root_dir: Path, mlp_api: Any
) -> None:
    write_notebook(jp_root_dir / "nb.ipynb")
    _, status = await mlp_api("GET", "autolog", path="nb.ipynb")
    assert status["enabled"] is True
    # The user switches it off in the settings editor (which saves through this API)
    await save_setting(jp_fetch, '{\n  // mine\n  "enabled": false\n}')
    _, status = await mlp_api("GET", "autolog", path="nb.ipynb")
    assert (status["enabled"], status["reason"]) == (False, "setting")
    # and on again
    await save_setting(jp_fetch, '{"enabled": true}')
    _, status = await mlp_api("GET", "autolog", path="nb.ipynb")
    assert status["enabled"] is True


async def test_the_setting_is_read_again_only_when_its_files_change(
    jp_fetch: Any, jp_root_dir: Path, mlp_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyterlab_server import settings_utils

    reads = []
    real = settings_utils.get_settings

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("schema_name"))
        return real(*args, **kwargs)

    monkeypatch.setattr(settings_utils, "get_settings", counted)
    write_notebook(jp_root_dir / "nb.ipynb")

    # Asked once per training cell: the files unchanged, the setting is read once
    for _ in range(3):
        _, status = await mlp_api("GET", "autolog", path="nb.ipynb")
        assert status["enabled"] is True
    assert reads == ["jupyterlab-mlplatform:autolog"]

    # Saved from the settings editor: read again, and followed
    await save_setting(jp_fetch, '{"enabled": false}')
    _, status = await mlp_api("GET", "autolog", path="nb.ipynb")
    assert (status["enabled"], status["reason"]) == (False, "setting")
    assert reads.count("jupyterlab-mlplatform:autolog") == 2
