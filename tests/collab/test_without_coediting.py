"""Without co-editing (RTC disabled, jupyter-collaboration's extension not loaded or not
installed) the server starts, the platform's API answers and its collab parts do nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.collab.server_process import ServerProcess

BLOCK_COLLABORATION = """
import runpy, sys

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"jupyter_server_ydoc", "jupyter_collaboration"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
sys.argv[0] = "jupyter-server"
runpy.run_module("jupyter_server", run_name="__main__", alter_sys=True)
"""
"""``python -m jupyter_server`` in an environment where jupyter-collaboration is missing."""


def assert_no_collaboration_state(data_dir: Path) -> None:
    """No YStore and no session store of ours (the activity feed and the attribution key,
    which work without co-editing, may be there)."""
    folder = data_dir / "collaboration"
    assert not (folder / "ystore.db").exists()
    assert not (folder / "sessions.json").exists()


@pytest.mark.parametrize(
    "mlp_collab_config", [{"YDocExtension": {"disable_rtc": True}}], indirect=True
)
async def test_rtc_disabled(jp_serverapp: Any, mlp_api: Any, mlp_data_dir: Path) -> None:
    from jupyter_server_ydoc.stores import SQLiteYStore

    status, _ = await mlp_api("GET", "experiments")
    assert status == 200
    ydoc_app = jp_serverapp.web_app.settings["jupyter_server_ydoc"]
    assert ydoc_app.ystore_class is SQLiteYStore  # upstream's, untouched
    assert ydoc_app.session_store_path is None
    assert "add_room" not in vars(ydoc_app.ywebsocket_server)  # no presence hook
    assert_no_collaboration_state(mlp_data_dir)


@pytest.mark.parametrize("mlp_ydoc_enabled", [False], indirect=True)
async def test_extension_not_loaded(jp_serverapp: Any, mlp_api: Any, mlp_data_dir: Path) -> None:
    status, _ = await mlp_api("GET", "experiments")
    assert status == 200
    assert "jupyter_server_ydoc" not in jp_serverapp.web_app.settings
    assert_no_collaboration_state(mlp_data_dir)


async def test_jupyter_collaboration_not_installed(tmp_path: Path) -> None:
    # Given a server configured to load jupyter_server_ydoc, which cannot be imported
    server = ServerProcess(tmp_path, launcher=BLOCK_COLLABORATION)
    try:
        http = await server.start()

        # Then the platform answers, the collaboration API does not exist
        status, _ = await http.request("GET", "mlplatform/api/experiments")
        assert status == 200
        status, _ = await http.request(
            "PUT", "api/collaboration/session/x.ipynb", {"format": "json", "type": "notebook"}
        )
        assert status == 404
        assert "No module named 'jupyter_server_ydoc'" in server.log()
        assert "jupyterlab_mlplatform | extension was successfully loaded" in server.log()
        assert_no_collaboration_state(server.data_dir)
        # and the status route says why co-editing is off
        status, body = await http.request("GET", "mlplatform/api/collaboration")
        assert status == 200
        assert (body["enabled"], body["reason"]) == (False, "not_installed")
    finally:
        await server.stop()
