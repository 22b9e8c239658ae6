"""A bench-only Jupyter server extension: how late the server's event loop runs, on demand.

``bench/collab_compare.py`` loads it (``jpserver_extensions: {"bench.loop_probe": true}``,
the server gets ``PYTHONPATH=<repo>``) into every server it compares; it is never part of
the package.  ``POST bench/loop-lag/start`` starts a task that sleeps ``interval`` seconds
(2 ms) again and again and notes how much later than asked each sleep ends: anything that
holds the loop (a callback, a transaction, JSON of a big document) shows as one late
wake-up of about its duration.  ``POST bench/loop-lag/stop`` stops it and answers the lags
(ms).  Idle, it costs nothing: no task runs until started.

Each answer also has the garbage collector's pauses in the window (any thread's: a
collection holds the GIL, so it stalls the loop wherever it runs) and the number of objects
it tracks; ``POST bench/loop-lag/collect`` times one full collection.
``POST bench/loop-lag/freeze`` runs ``gc.collect(); gc.freeze()`` (an experiment:
what freezing the objects of the server's start would change).

``start?stacks_over=30`` also starts a watchdog thread that, while the loop has not woken
the probe for more than that many ms, samples the loop thread's Python stack every 5 ms:
``stop`` then answers the stalls with the stacks seen in them (a stall profiler).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading
import time
import traceback
from collections import Counter
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web


class LoopProbe:
    def __init__(self) -> None:
        self.lags: list[float] = []
        self.ends: list[float] = []
        self.task: asyncio.Task[None] | None = None
        self.started = 0.0
        self.started_wall = 0.0
        self.beat = 0.0
        self.watchdog: threading.Thread | None = None
        self.watching = False
        self.stalls: list[dict[str, Any]] = []
        self.collections: list[dict[str, Any]] = []
        self._gc_started = 0.0

    def start(self, interval: float, stacks_over_ms: float | None) -> None:
        self.stop()
        self.lags = []
        self.ends = []
        self.stalls = []
        self.collections = []
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)
        self.started = self.beat = time.perf_counter()
        self.started_wall = time.time()
        self.task = asyncio.get_running_loop().create_task(self._run(interval))
        if stacks_over_ms:
            self.watching = True
            self.watchdog = threading.Thread(
                target=self._watch,
                args=(threading.get_ident(), stacks_over_ms / 1000),
                daemon=True,
            )
            self.watchdog.start()

    def stop(self) -> dict[str, Any]:
        if self.task is not None:
            self.task.cancel()
            self.task = None
        self.watching = False
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self.watchdog is not None:
            self.watchdog.join()
            self.watchdog = None
        return {
            "seconds": time.perf_counter() - self.started,
            "started_wall": self.started_wall,
            "lags_ms": self.lags,
            "ends_s": self.ends,
            "stalls": self.stalls,
            "collections": self.collections,
            "tracked_objects": len(gc.get_objects()),
        }

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """The garbage collector's pauses (any thread's): when, how long, which generation."""
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
        else:
            self.collections.append(
                {
                    "at_s": self._gc_started - self.started,
                    "ms": (now - self._gc_started) * 1000,
                    "generation": info["generation"],
                }
            )

    async def _run(self, interval: float) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(interval)
            self.beat = time.perf_counter()
            self.lags.append((self.beat - before - interval) * 1000)
            self.ends.append(self.beat - self.started)

    def _watch(self, loop_thread: int, threshold: float) -> None:
        current: dict[str, Any] | None = None
        while self.watching:
            time.sleep(0.005)
            beat = self.beat
            if time.perf_counter() - beat <= threshold + 0.002:
                current = None
                continue
            frame = sys._current_frames().get(loop_thread)
            if frame is None:
                continue
            stack = ";".join(
                f"{entry.name} ({entry.filename.rsplit('site-packages/', 1)[-1]}:{entry.lineno})"
                for entry in traceback.extract_stack(frame)
            )
            if current is None or current["beat"] != beat:
                current = {"beat": beat, "stacks": Counter()}
                self.stalls.append(current)
            current["stacks"][stack] += 1
        for stall in self.stalls:
            stall["at_s"] = stall.pop("beat", 0) - self.started
            stall["stacks"] = stall["stacks"].most_common()


class LoopLagHandler(APIHandler):
    probe: LoopProbe

    @web.authenticated
    async def post(self, action: str) -> None:
        if action == "collect":  # how long one full collection holds the process now
            started = time.perf_counter()
            gc.collect()
            ms = (time.perf_counter() - started) * 1000
            self.finish(json.dumps({"ms": ms, "tracked_objects": len(gc.get_objects())}))
        elif action == "freeze":  # an experiment: what gc.freeze() at start would give
            gc.collect()
            gc.freeze()
            self.finish(json.dumps({"frozen": gc.get_freeze_count()}))
        elif action == "start":
            stacks = self.get_argument("stacks_over", "")
            self.probe.start(
                float(self.get_argument("interval", "0.002")), float(stacks) if stacks else None
            )
            self.finish(json.dumps({"started": True}))
        else:
            self.finish(json.dumps(self.probe.stop()))


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "bench.loop_probe"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    LoopLagHandler.probe = LoopProbe()
    base = serverapp.web_app.settings["base_url"].rstrip("/")
    serverapp.web_app.add_handlers(
        ".*$", [(base + r"/bench/loop-lag/(start|stop|collect|freeze)", LoopLagHandler)]
    )
