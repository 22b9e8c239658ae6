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

It also makes people leave at once.  The room's server never removes the states of a client
whose connection closed (a tab closed without saying goodbye, a dropped network): the others
keep showing it until it times out (30 s), and late joiners would be greeted with it.  Each
connection is served by its own task, which reads its messages; the relay notes, per serving
task, the awareness client ids its messages announce (``YRoom.on_message``), and when that
task ends (the connection closed) removes those ids from the room's awareness and tells the
remaining connections.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from pycrdt import Decoder, YMessageType, create_awareness_message, read_message

DEPARTURE = "departure"
"""The origin of the removals the relay makes in a room's awareness."""


class PresenceRelay:
    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._greeted: weakref.WeakKeyDictionary[Any, weakref.WeakSet[Any]] = (
            weakref.WeakKeyDictionary()
        )
        """Per watched room, the connections already sent the room's states."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._owners: weakref.WeakKeyDictionary[Any, dict[int, asyncio.Task[Any]]] = (
            weakref.WeakKeyDictionary()
        )
        """Per watched room, which serving task (connection) announced each client id."""

    def watch(self, room: Any) -> None:
        """Greet the connections of ``room`` (a ``pycrdt.websocket.YRoom``) and announce
        departures from now on; watching a room again does nothing."""
        if room in self._greeted:
            return
        self._greeted[room] = weakref.WeakSet()
        self._owners[room] = {}
        room_ref = weakref.ref(room)
        previous = room.on_message

        def on_message(message: bytes) -> Any:
            watched = room_ref()
            if watched is not None and message[:1] == bytes([YMessageType.AWARENESS]):
                try:
                    self._note_sender(watched, message)
                except Exception as e:  # noqa: BLE001 - a malformed update is the room's to reject
                    self._log.debug("Could not read an awareness message: %s", e)
            return previous(message) if previous is not None else False

        room.on_message = on_message

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

    def _note_sender(self, room: Any, message: bytes) -> None:
        """Remember which connection (its serving task) announced each client id."""
        task = asyncio.current_task()
        if task is None:
            return
        owners = self._owners[room]
        decoder = Decoder(read_message(message[1:]))
        for _ in range(decoder.read_var_uint()):
            client_id = decoder.read_var_uint()
            decoder.read_var_uint()  # clock
            state = decoder.read_var_string()
            if state in ("", "null"):
                owners.pop(client_id, None)
                continue
            if owners.get(client_id) is not task:
                owners[client_id] = task
                task.add_done_callback(self._on_closed(weakref.ref(room)))

    def _on_closed(self, room: weakref.ref[Any]) -> Any:
        def closed(task: asyncio.Task[Any]) -> None:
            self._departed(room(), task)

        return closed

    def _departed(self, room: Any, task: asyncio.Task[Any]) -> None:
        """A connection of ``room`` closed: its clients leave, for everyone at once."""
        if room is None:
            return
        owners = self._owners.get(room, {})
        gone = [client_id for client_id, owner in owners.items() if owner is task]
        for client_id in gone:
            del owners[client_id]
        gone = [client_id for client_id in gone if client_id in room.awareness.states]
        if not gone:
            return
        room.awareness.remove_awareness_states(gone, DEPARTURE)
        message = create_awareness_message(room.awareness.encode_awareness_update(gone))
        task = asyncio.get_running_loop().create_task(self._send(list(room.clients), message))
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
