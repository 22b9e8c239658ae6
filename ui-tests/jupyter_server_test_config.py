"""Server configuration for the Galata tests.

``configure_jupyter_server`` sets port 8888 (no retries), an empty token, no XSRF check and a
temporary root_dir.  The tracking database and the artifacts also live in a fresh temporary
folder, so the tests never touch the user's data.
"""

import atexit
import os
import shutil
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.allow_root = True  # CI containers run as root

_data_dir = tempfile.mkdtemp(prefix="mlplatform-galata-")
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
c.MLPlatformApp.data_dir = _data_dir
c.MLPlatformApp.tracking_uri = "sqlite:///" + os.path.join(_data_dir, "tracking.db")
c.MLPlatformApp.artifact_root = os.path.join(_data_dir, "artifacts")

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"
