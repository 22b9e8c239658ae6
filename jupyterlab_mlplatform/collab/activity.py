"""The activity feed: who ran which cell (and the runs it made), who deployed or stopped what.

One feed per server, the same for everyone: items are made from server-side events (the
kernel websockets, the deployment handlers), never from what a browser reports.  The newest
``limit`` items are kept in memory and in a JSON-lines file in the data dir, so the feed
survives a reload of the page and a restart of the server.

Every change is appended to the file as the whole item; reading keeps the last line of each
id.  The file is rewritten with only the kept items once it holds twice as many lines.  File
work runs on one writer thread, in the order of the changes; the feed itself is changed on
the event loop only.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InvalidArgument
from .models import ActivityEvent, ActivityItem, ActivityPage

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 1000
MAX_PAGE = 500

Publish = Callable[[ActivityEvent], None]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class ActivityFeed:
    def __init__(
        self, path: Path | None, publish: Publish | None = None, limit: int = DEFAULT_LIMIT
    ) -> None:
        self.path = path
        self.limit = max(1, limit)
        self._publish = publish
        self._items: OrderedDict[int, ActivityItem] = OrderedDict()
        self._next_id = 1
        self._lines = 0
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="mlp-activity")
        if path is not None:
            self._load(path)

    # -- changes (event loop) -------------------------------------------------------------

    def add(self, **fields: Any) -> ActivityItem:
        """A new item (``id`` and, unless given, ``time`` are set here)."""
        fields.setdefault("time", now_ms())
        item = ActivityItem(id=self._next_id, **fields)
        self._next_id += 1
        self._items[item.id] = item
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        self._changed("activity_added", item)
        return item

    def update(self, item_id: int, **changes: Any) -> ActivityItem | None:
        """Change an item that is still kept; None when it has dropped out of the feed."""
        item = self._items.get(item_id)
        if item is None:
            return None
        updated = item.model_copy(update=changes)
        if updated == item:
            return item
        self._items[item_id] = updated
        self._changed("activity_updated", updated)
        return updated

    def page(self, limit: int = 50, before: int | None = None) -> ActivityPage:
        """The newest ``limit`` items older than item ``before`` (all when None), newest
        first."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidArgument(f"limit must be between 1 and {MAX_PAGE}.")
        items: list[ActivityItem] = []
        for item_id in reversed(self._items):
            if before is not None and item_id >= before:
                continue
            if len(items) == limit:
                return ActivityPage(items=items, next_before=items[-1].id)
            items.append(self._items[item_id])
        return ActivityPage(items=items, next_before=None)

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def _changed(self, kind: str, item: ActivityItem) -> None:
        if self.path is not None:
            line = item.model_dump_json() + "\n"
            self._lines += 1
            if self._lines > 2 * self.limit:
                kept = "".join(i.model_dump_json() + "\n" for i in self._items.values())
                self._lines = len(self._items)
                self._writer.submit(self._rewrite, kept)
            else:
                self._writer.submit(self._append, line)
        if self._publish is not None:
            try:
                self._publish(ActivityEvent(type=kind, item=item))  # type: ignore[arg-type]
            except Exception:
                log.exception("Publishing an activity event failed")

    # -- the file (writer thread, and once at start) ----------------------------------------

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text()
        except FileNotFoundError:
            return
        except OSError as e:
            log.warning("Could not read the activity feed %s: %s", path, e)
            return
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            self._lines += 1
            try:
                item = ActivityItem.model_validate_json(line)
            except ValidationError:
                # A torn last line (crash mid-append) or a hand edit: skip it.
                log.warning("Skipping line %d of the activity feed %s", number, path)
                continue
            self._items[item.id] = item
            self._items.move_to_end(item.id)
            self._next_id = max(self._next_id, item.id + 1)
        ordered = sorted(self._items.values(), key=lambda i: i.id)[-self.limit :]
        self._items = OrderedDict((i.id, i) for i in ordered)

    def _append(self, line: str) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a") as file:
                file.write(line)
        except OSError as e:
            log.warning("Could not write the activity feed %s: %s", self.path, e)

    def _rewrite(self, text: str) -> None:
        assert self.path is not None
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except OSError as e:
            log.warning("Could not rewrite the activity feed %s: %s", self.path, e)
