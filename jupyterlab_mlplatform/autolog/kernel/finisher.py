"""One background thread that does the work left after a tracked cell, in order."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from .safety import guard


class Finisher:
    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="mlplatform-autolog", daemon=True
                )
                self._thread.start()
        self._queue.put(job)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job is done (True) or ``timeout`` passes (False)."""
        done = threading.Event()
        self.submit(done.set)
        return done.wait(timeout)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            with guard("finishing a tracked cell"):
                job()
