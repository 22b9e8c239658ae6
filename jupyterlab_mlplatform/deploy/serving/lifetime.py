"""Tying a child process's life to its parent's (standard library only: the deployment
manager imports it to start scoring servers, and it is copied into serving images)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys


def die_with_parent(parent: int) -> None:
    """In a child (before exec, or just forked): SIGTERM when the process ``parent`` dies,
    even by SIGKILL (``PR_SET_PDEATHSIG``, Linux only); exits at once if it already has."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before prctl
        os._exit(0)
