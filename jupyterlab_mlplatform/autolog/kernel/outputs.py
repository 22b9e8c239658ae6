"""What a cell prints and displays, kept while it runs (for its run, if it becomes one)."""

from __future__ import annotations

import base64
import sys
from collections import deque
from typing import Any

MAX_OUTPUT_CHARS = 64 * 1024
MAX_FIGURES = 20


class OutputTail:
    """The last characters written to stdout and stderr during the cell.

    The kernel's own streams stay in place (other code checks their type); only their
    ``write`` is wrapped, and it keeps text only while a cell runs.
    """

    def __init__(self, limit: int = MAX_OUTPUT_CHARS) -> None:
        self._limit = limit
        self._chunks: deque[str] = deque()
        self._size = 0
        self._dropped = False
        self._capturing = False
        self._installed: list[tuple[Any, Any]] = []
        for name in ("stdout", "stderr"):
            self._wrap(getattr(sys, name, None))

    def _wrap(self, stream: Any) -> None:
        original = getattr(stream, "write", None)
        if original is None:
            return

        def write(text: Any, *args: Any, **kwargs: Any) -> Any:
            written = original(text, *args, **kwargs)
            if self._capturing and isinstance(text, str):
                self._keep(text)
            return written

        try:
            stream.write = write
        except (AttributeError, TypeError):  # a stream whose write cannot be wrapped
            return
        self._installed.append((stream, original))

    def _keep(self, text: str) -> None:
        self._chunks.append(text)
        self._size += len(text)
        while self._size > self._limit and len(self._chunks) > 1:
            self._size -= len(self._chunks.popleft())
            self._dropped = True

    def start(self) -> None:
        self._chunks.clear()
        self._size = 0
        self._dropped = False
        self._capturing = True

    def stop(self) -> str:
        self._capturing = False
        text = "".join(self._chunks)[-self._limit :]
        self._chunks.clear()
        if self._dropped:
            text = f"[... earlier output cut; the last {self._limit} characters follow]\n" + text
        return text

    def uninstall(self) -> None:
        self._capturing = False
        for stream, original in self._installed:
            try:
                del stream.write
            except AttributeError:
                stream.write = original
        self._installed.clear()


class FigureCapture:
    """PNG images the cell displays (matplotlib's inline figures among them)."""

    def __init__(self, shell: Any) -> None:
        self._publisher = getattr(shell, "display_pub", None)
        self._images: list[str] = []
        self._capturing = False
        register = getattr(self._publisher, "register_hook", None)
        self._registered = False
        if register is not None:
            register(self._hook)
            self._registered = True

    def _hook(self, message: Any) -> Any:
        if self._capturing and len(self._images) < MAX_FIGURES:
            try:
                if message["header"]["msg_type"] in ("display_data", "update_display_data"):
                    png = message["content"]["data"].get("image/png")
                    if isinstance(png, str):
                        self._images.append(png)
            except (KeyError, TypeError, AttributeError):
                pass
        return message  # always publish it

    def start(self) -> None:
        self._images = []
        self._capturing = True

    def stop(self) -> list[str]:
        """The cell's images, base64-encoded as displayed (see :func:`decode`)."""
        self._capturing = False
        images, self._images = self._images, []
        return images

    @staticmethod
    def decode(images: list[str]) -> list[bytes]:
        decoded = []
        for image in images:
            try:
                decoded.append(base64.b64decode(image))
            except ValueError:
                continue
        return decoded

    def uninstall(self) -> None:
        self._capturing = False
        if self._registered and self._publisher is not None:
            self._publisher.unregister_hook(self._hook)
            self._registered = False
