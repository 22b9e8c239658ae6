"""CPU, memory (and GPU, when ``nvidia-smi`` is there) samples while a tracked cell runs.

Logged as ``system/...`` metrics of the run, one step per sample.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from typing import Any

from .safety import log

SAMPLE_INTERVAL = float(os.environ.get("MLPLATFORM_AUTOLOG_SAMPLE_INTERVAL", "1.0"))


class ResourceSampler:
    def __init__(self, sender: Any, run_id: str, interval: float = SAMPLE_INTERVAL) -> None:
        self._sender = sender
        self._run_id = run_id
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._step = 0
        self._process: Any = None
        self._nvidia_smi = shutil.which("nvidia-smi")

    def start(self) -> None:
        try:
            import psutil

            self._process = psutil.Process()
            self._process.cpu_percent(None)  # the first call only sets the baseline
        except Exception:  # noqa: BLE001 - no psutil, or no access: no samples
            log.debug("No CPU and memory samples", exc_info=True)
            self._process = None
        self._thread = threading.Thread(target=self._run, name="mlplatform-resources", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sample()  # the last stretch, however short

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _sample(self) -> None:
        values: dict[str, float] = {}
        if self._process is not None:
            try:
                import psutil

                values["system/cpu_percent"] = self._process.cpu_percent(None)
                values["system/memory_rss_mb"] = self._process.memory_info().rss / 1024**2
                values["system/memory_percent"] = psutil.virtual_memory().percent
            except Exception:  # noqa: BLE001 - the process is going away
                log.debug("A CPU and memory sample failed", exc_info=True)
        if self._nvidia_smi:
            values.update(self._gpu())
        now = int(time.time() * 1000)
        for key, value in values.items():
            self._sender.metric(self._run_id, key, float(value), self._step, now)
        self._step += 1

    def _gpu(self) -> dict[str, float]:
        try:
            done = subprocess.run(
                [
                    str(self._nvidia_smi),
                    "--query-gpu=utilization.gpu,memory.used",
                    "--format=csv,noheader,nounits",
                ],
                capture_output=True,
                timeout=5,
                check=True,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError):
            return {}
        values = {}
        for index, line in enumerate(done.stdout.decode().splitlines()):
            parts = [part.strip() for part in line.split(",")]
            if len(parts) == 2:
                try:
                    values[f"system/gpu_{index}_utilization_percent"] = float(parts[0])
                    values[f"system/gpu_{index}_memory_mb"] = float(parts[1])
                except ValueError:
                    continue
        return values
