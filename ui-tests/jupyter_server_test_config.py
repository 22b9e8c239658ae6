"""Server configuration for the Galata tests.

``configure_jupyter_server`` sets port 8888 (no retries), an empty token, no XSRF check and a
temporary root_dir.  The tracking database and the artifacts live in ``ui-tests/test-data``,
emptied at each start (Playwright kills the server, so nothing runs at its exit), so the tests
never touch the user's data and leave one folder behind, not one per run.
"""

import shutil
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.allow_root = True  # CI containers run as root

_data_dir = Path(__file__).resolve().parent / "test-data"
shutil.rmtree(_data_dir, ignore_errors=True)
_data_dir.mkdir()
c.MLPlatformApp.data_dir = str(_data_dir)
c.MLPlatformApp.tracking_uri = f"sqlite:///{_data_dir / 'tracking.db'}"
c.MLPlatformApp.artifact_root = str(_data_dir / "artifacts")

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"
