"""Presence for late joiners: a client that joins a room is sent everyone already there.

A room's server relays each client's awareness update (who they are, their cursor) to the
room's clients, but never sends the states it already knows to a client that joins: a late
joiner sees the others only when each of them next renews its awareness (every 15 s in the
lab, or never for an idle headless client).  :class:`PresenceRelay` watches each room's
awareness; when an update arrives from a client while a connection of the room has not
been greeted yet (a client that joins sends its own state right away), it sends that
connection one awareness message with every state the room knows.  That is one message per
connection, whatever the number of updates, in document rooms and in the transient
``JupyterLab:globalAwareness`` room alike.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from pycrdt import create_awareness_message


class PresenceRelay:
    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._greeted: weakref.WeakKeyDictionary[Any, weakref.WeakSet[Any]] = (
            weakref.WeakKeyDictionary()
        )
        """Per watched room, the connections already sent the room's states."""
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(self, room: Any) -> None:
        """Greet the connections of ``room`` (a ``pycrdt.websocket.YRoom``) from now on;
        watching a room again does nothing."""
        if room in self._greeted:
            return
        self._greeted[room] = weakref.WeakSet()
        room_ref = weakref.ref(room)

        def on_awareness(topic: str, changes: tuple[dict[str, Any], Any]) -> None:
            watched = room_ref()
            if topic == "update" and changes[1] != "local" and watched is not None:
                self._greet_newcomers(watched)

        room.awareness.observe(on_awareness)

    def _greet_newcomers(self, room: Any) -> None:
        greeted = self._greeted[room]
        newcomers = [channel for channel in room.clients if channel not in greeted]
        if not newcomers:
            return
        for channel in newcomers:
            greeted.add(channel)
        message = room_states_message(room)
        if message is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # an update applied outside the server's loop: no one to send to
            return
        task = loop.create_task(self._send(newcomers, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, channels: list[Any], message: bytes) -> None:
        for channel in channels:
            try:
                await channel.send(message)
            except Exception as e:  # noqa: BLE001 - a connection that just closed
                self._log.debug("Could not send the room's presence to %s: %s", channel, e)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()


def room_states_message(room: Any) -> bytes | None:
    """An awareness message with the state of every client the room knows (not the
    server's own), or None when it knows none."""
    awareness = room.awareness
    clients = [client for client in awareness.states if client != awareness.client_id]
    if not clients:
        return None
    return create_awareness_message(awareness.encode_awareness_update(clients))
