"""A kernel websocket connection that records who sends each execute request.

jupyter-server makes the class configurable (``ServerApp.kernel_websocket_connection_class``);
the extension derives from whichever class is configured, so other customisations keep
working, and only reads shell messages as they pass: the header and metadata (the cell) of
execute requests, the status and execution count of execute replies.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

from ..identity import acting_user
from .authors import ExecutionAuthors

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def identifying_connection_class(
    base: type[Any], authors: ExecutionAuthors, owner: Any
) -> type[Any]:
    """A subclass of ``base`` that reports execute requests and replies to ``authors``,
    each sent by the connection's identity (``owner`` for a script with the server's token,
    see :mod:`..identity`)."""

    class IdentifyingKernelConnection(base):  # type: ignore[misc]
        _sender: Any = None

        async def connect(self) -> Any:
            try:
                self._sender = await acting_user(self.websocket_handler, owner)
            except Exception:  # the handler's own identity then; never fail the websocket
                self.log.debug("Could not settle a kernel websocket's identity", exc_info=True)
            result = super().connect()
            return await result if inspect.isawaitable(result) else result

        def handle_incoming_message(self, incoming_msg: Any) -> None:
            try:
                self._note_request(incoming_msg)
            except Exception:  # a malformed message is the base class's to report
                self.log.debug("Could not read a kernel message's header", exc_info=True)
            super().handle_incoming_message(incoming_msg)

        def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
            if stream == "shell" or getattr(stream, "channel", None) == "shell":
                try:
                    self._note_reply(outgoing_msg)
                except Exception:
                    self.log.debug("Could not read a kernel reply's header", exc_info=True)
            super().handle_outgoing_message(stream, outgoing_msg)

        def _note_request(self, incoming_msg: Any) -> None:
            if self.subprotocol == V1_PROTOCOL:
                channel, parts = deserialize_msg_from_ws_v1(incoming_msg)  # type: ignore[no-untyped-call]
                if channel != "shell":
                    return
                header = json.loads(parts[0])
                if header.get("msg_type") != "execute_request":
                    return
                metadata = json.loads(parts[2]) if len(parts) > 2 else {}
            else:
                message = json.loads(incoming_msg)
                if message.get("channel", "shell") != "shell":
                    return
                header = message.get("header") or {}
                metadata = message.get("metadata") or {}
            if header.get("msg_type") == "execute_request" and header.get("msg_id"):
                user = self._sender or self.websocket_handler.current_user
                cell_id = metadata.get("cellId") if isinstance(metadata, dict) else None
                authors.requested(
                    self.kernel_id,
                    str(header["msg_id"]),
                    user,
                    str(cell_id) if isinstance(cell_id, str) and cell_id else None,
                )

        def _note_reply(self, outgoing_msg: list[Any]) -> None:
            _, parts = self.session.feed_identities(outgoing_msg)
            header = json.loads(_bytes(parts[1]))
            if header.get("msg_type") == "execute_reply":
                parent = json.loads(_bytes(parts[2]))
                if parent.get("msg_id"):
                    content = json.loads(_bytes(parts[4])) if len(parts) > 4 else {}
                    count = content.get("execution_count")
                    status = content.get("status")
                    authors.replied(
                        self.kernel_id,
                        str(parent["msg_id"]),
                        status if isinstance(status, str) else None,
                        count if isinstance(count, int) and not isinstance(count, bool) else None,
                    )

    return IdentifyingKernelConnection


def _bytes(part: Any) -> bytes:
    return part.bytes if hasattr(part, "bytes") else bytes(part)
