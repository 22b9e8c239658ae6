"""Automatic tracking never breaks or changes the user's code: its failures become warnings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("jupyterlab_mlplatform.autolog")


@contextmanager
def guard(doing: str) -> Iterator[None]:
    """Run a block of tracking code; an exception in it is logged as a warning, not raised."""
    try:
        yield
    except Exception as e:
        log.warning("Automatic tracking failed while %s: %s: %s", doing, type(e).__name__, e)
        log.debug("Automatic tracking failure", exc_info=True)
