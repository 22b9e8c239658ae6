"""Test configuration shared by every Python test: a real Jupyter server with the extension."""

from __future__ import annotations

pytest_plugins = ("pytest_jupyter.jupyter_server", "tests.fixtures")
