"""What a real Jupyter server with the extension loads by the time it answers the API.

The extension's share of the server's start is a budget (0.5 s): numpy and pandas alone
cost about 0.35 s to import, and the server needs neither until a model is saved, loaded or
deployed (scoring servers run in processes of their own).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs jupyter_server in this interpreter and writes the modules it imported when it exits.
LAUNCHER = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv[0] = "jupyter-server"
runpy.run_module("jupyter_server", run_name="__main__", alter_sys=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_started_server_has_not_imported_numpy_or_pandas(tmp_path: Path) -> None:
    # Given a real server process with the extension, its database created
    port, token, modules = _free_port(), "start-test-token", tmp_path / "modules.json"
    (tmp_path / "nb").mkdir()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "rt")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            LAUNCHER,
            str(modules),
            f"--port={port}",
            "--port-retries=0",
            "--ip=127.0.0.1",
            "--no-browser",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path / 'nb'}",
            "--ServerApp.jpserver_extensions=jupyterlab_mlplatform=True",
            f"--MLPlatformApp.data_dir={tmp_path / 'data'}",
        ],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        # When it answers the tracking API
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/mlplatform/api/experiments",
            headers={"Authorization": f"token {token}"},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()

    # Then neither numpy nor pandas is in the server process
    imported = set(json.loads(modules.read_text()))
    assert "jupyterlab_mlplatform.deploy.manager" in imported  # the extension did load
    assert not {"numpy", "pandas"} & imported
