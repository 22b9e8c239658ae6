"""A headless collaborator: what JupyterLab's document provider does, in Python.

It speaks jupyter-collaboration's protocol to a real server (a pytest-jupyter server or a
``jupyter server`` subprocess), over a real websocket, with a real ``pycrdt.Doc``:

1. ``PUT api/collaboration/session/{path}`` with ``{"format": "json", "type": "notebook"}``
   gives the file id and the server's session id;
2. ``WS api/collaboration/room/json:notebook:{fileId}?sessionId=...&token=...``;
3. y-websocket sync: the server sends SYNC_STEP1, the client answers SYNC_STEP2 and sends its
   own SYNC_STEP1, the server's SYNC_STEP2 makes the client *synced*; then SYNC_UPDATE both
   ways.  Awareness (type 1) carries each client's ``{"user": {...}}``; RAW (type 2) carries
   JSON (the replies to ``save``, conflicts).

Usage::

    server = CollabServer.of(jp_serverapp)            # or CollabServer(url, token)
    alice = await NotebookClient.open(server, "a.ipynb", user="alice")
    alice.notebook.append_cell({"cell_type": "markdown", "source": "hi", "metadata": {}})
    bob = await NotebookClient.open(server, "a.ipynb", user="bob")
    await bob.wait_for(lambda: "hi" in bob.sources(), "bob sees alice's cell")
    await bob.wait_for(lambda: "alice" in bob.peer_names(), "bob sees alice")
    await alice.close(); await bob.close()

A client keeps its ``Doc`` when it disconnects: edit it offline, then ``reconnect()`` (by
default with its old session id, as the lab does after a server restart).  When the server
refuses the connection, :class:`RoomClosed` carries the close code and JSON payload (1003
``{"reason": "unknown_session", "reloadable": true}``).

Nothing here waits for a fixed time: :func:`wait_until` polls a condition until a generous
deadline, and fails with what it was waiting for.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from jupyter_ydoc import YNotebook
from pycrdt import (
    Awareness,
    Decoder,
    Doc,
    Encoder,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

GLOBAL_AWARENESS_ROOM = "JupyterLab:globalAwareness"
RAW = 2
TIMEOUT = 30.0
"""Default deadline of every wait, in seconds: generous, a wait ends as soon as it can."""


async def wait_until(
    predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT, poll: float = 0.02
) -> None:
    """Return once ``predicate()`` is true (checked every ``poll`` seconds); fail with
    ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for: {what}")
        await asyncio.sleep(poll)


@dataclass(frozen=True)
class CollabServer:
    """A Jupyter server: its base URL (``http://host:port/base/``) and its token."""

    url: str
    token: str

    @classmethod
    def of(cls, serverapp: Any) -> CollabServer:
        """The pytest-jupyter server (``jp_serverapp``)."""
        return cls(
            f"http://127.0.0.1:{serverapp.port}{serverapp.base_url}",
            serverapp.identity_provider.token,
        )

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """An authenticated REST call; returns (status, body: JSON when it is, else text)
        and never raises on an HTTP error status."""
        request = HTTPRequest(
            self.url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            body=None if body is None else json.dumps(body),
            allow_nonstandard_methods=True,
        )
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as e:
            assert e.response is not None, e
            response = e.response
        text = response.body.decode() if response.body else ""
        try:
            return response.code, json.loads(text) if text else None
        except ValueError:
            return response.code, text

    def ws_url(self, path: str, **params: str) -> str:
        query = urlencode({**params, "token": self.token})
        return "ws" + self.url[len("http") :] + path + "?" + query


@dataclass(frozen=True)
class Closed:
    """How the server closed a room's websocket."""

    code: int | None
    reason: str | None

    @property
    def payload(self) -> dict[str, Any] | None:
        """The JSON reason jupyter-collaboration sends with 1003, if it is JSON."""
        try:
            value = json.loads(self.reason or "")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


class RoomClosed(Exception):
    def __init__(self, closed: Closed) -> None:
        super().__init__(f"the server closed the room: {closed.code} {closed.reason}")
        self.closed = closed


def user_identity(name: str) -> dict[str, Any]:
    """A ``User.IIdentity`` as the lab puts it in awareness (``{"user": ...}``)."""
    return {
        "username": name,
        "name": name,
        "display_name": name.title(),
        "initials": name[:1].upper(),
        "color": "var(--jp-collaborator-color1)",
    }


class RoomClient:
    """One collaborator in one room: a Doc and an Awareness kept in sync over a websocket.

    ``doc``, ``awareness`` and ``session_id`` survive ``drop``/``close`` and ``reconnect``.
    """

    def __init__(
        self,
        server: CollabServer,
        room_id: str,
        *,
        session_id: str | None = None,
        doc: Doc | None = None,
        user: str | None = None,
        renew_awareness: float | None = None,
    ) -> None:
        self.server = server
        self.room_id = room_id
        self.session_id = session_id
        self.doc = doc if doc is not None else Doc()
        self.awareness = Awareness(self.doc)
        self.user = user
        self.renew_awareness = renew_awareness
        """Seconds between re-sends of this client's awareness (the lab's is 15); None (the
        default) never re-sends it, like an idle peer whose renewal has not come yet."""
        self.raw: list[dict[str, Any]] = []
        """The RAW (JSON) messages received, in order."""
        self.closed: Closed | None = None
        """How the server closed the last connection (None while connected)."""
        self.errors: list[Exception] = []
        """What failed while handling the server's messages (e.g. an update that cannot be
        applied)."""
        self.synced = asyncio.Event()
        self._ws: WebSocketClientConnection | None = None
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._applying_remote = False
        self._saves: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_save = 0
        self.doc.observe(self._on_local_change)
        if user is not None:
            self.awareness.set_local_state({"user": user_identity(user)})

    # -- connection ----------------------------------------------------------------------

    async def connect(self, *, wait_synced: bool = True, timeout: float = TIMEOUT) -> None:
        """Open the room's websocket, start the sync; wait until synced unless told not to.
        Raises :class:`RoomClosed` when the server closes the connection first."""
        params = {"sessionId": self.session_id} if self.session_id is not None else {}
        self.closed = None
        self.synced = asyncio.Event()
        self._outbox = asyncio.Queue()
        url = self.server.ws_url(f"api/collaboration/room/{self.room_id}", **params)
        # the token in a header too: JupyterHub's servers read it from the URL only when a
        # browser says it opens a websocket (Sec-Fetch-Mode)
        headers = {"Authorization": f"token {self.server.token}"}
        self._ws = await websocket_connect(
            HTTPRequest(url, headers=headers), max_message_size=1024**3
        )
        self._tasks = [
            asyncio.create_task(self._receive(self._ws)),
            asyncio.create_task(self._send(self._ws, self._outbox)),
        ]
        if self.renew_awareness is not None:
            self._tasks.append(asyncio.create_task(self._renew(self.renew_awareness)))
        self._outbox.put_nowait(create_sync_message(self.doc))
        if self.awareness.get_local_state() is not None:
            self._send_awareness()
        if wait_synced:
            await self.wait_for(
                lambda: self.synced.is_set() or self.closed is not None, "sync", timeout
            )
            if self.closed is not None:
                raise RoomClosed(self.closed)

    async def reconnect(self, session_id: str | None = None, **kwargs: Any) -> None:
        """Connect again with the same Doc (and its offline edits); with the old session id
        unless another is given."""
        await self.drop()
        if session_id is not None:
            self.session_id = session_id
        if self.user is not None and self.awareness.get_local_state() is None:
            self.awareness.set_local_state({"user": user_identity(self.user)})
        await self.connect(**kwargs)

    async def drop(self) -> None:
        """Close the websocket without saying goodbye (a network cut, a closed laptop)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def close(self) -> None:
        """Leave like the lab does: remove this client's awareness state, then close."""
        if self._ws is not None and self.closed is None:
            self.awareness.set_local_state(None)
            self._send_awareness()
            self._outbox.put_nowait(None)  # the sender closes after the goodbye
            await wait_until(lambda: self._ws is None or self.closed is not None, "close")
        await self.drop()

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.closed is None

    # -- what the others see -------------------------------------------------------------

    def set_state(self, state: dict[str, Any]) -> None:
        """Set this client's awareness state and send it."""
        self.awareness.set_local_state(state)
        if self.connected:
            self._send_awareness()

    def peers(self) -> dict[int, dict[str, Any]]:
        """The awareness states of the other clients of the room that have a user."""
        return {
            client: state
            for client, state in self.awareness.states.items()
            if client != self.awareness.client_id and state and "user" in state
        }

    def peer_names(self) -> set[str]:
        return {str(state["user"]["name"]) for state in self.peers().values()}

    async def wait_for(
        self, predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT
    ) -> None:
        await wait_until(predicate, f"{self}: {what} (errors: {self.errors})", timeout)

    async def save(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Ask the server to save the document now (the lab's Ctrl+S); its JSON reply."""
        self._next_save += 1
        save_id = self._next_save
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._saves[save_id] = future
        encoder = Encoder()
        encoder.write_var_uint(RAW)
        encoder.write_var_string("save")
        encoder.write_var_uint(save_id)
        self._outbox.put_nowait(encoder.to_bytes())
        return await asyncio.wait_for(future, timeout)

    # -- the protocol --------------------------------------------------------------------

    def _on_local_change(self, event: Any) -> None:
        if not self._applying_remote and self.connected:
            self._outbox.put_nowait(create_update_message(event.update))

    def _send_awareness(self) -> None:
        update = self.awareness.encode_awareness_update([self.awareness.client_id])
        self._outbox.put_nowait(create_awareness_message(update))

    async def _send(
        self, ws: WebSocketClientConnection, outbox: asyncio.Queue[bytes | None]
    ) -> None:
        while True:
            message = await outbox.get()
            if message is None:
                ws.close()
                return
            await ws.write_message(message, binary=True)

    async def _renew(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            if self.awareness.get_local_state() is not None:
                self.set_state(dict(self.awareness.get_local_state() or {}))

    async def _receive(self, ws: WebSocketClientConnection) -> None:
        while True:
            message = await ws.read_message()
            if message is None:
                self.closed = Closed(ws.close_code, ws.close_reason)
                for future in self._saves.values():
                    if not future.done():
                        future.set_exception(RoomClosed(self.closed))
                return
            assert isinstance(message, bytes), message
            try:
                self._handle(message)
            except Exception as e:  # noqa: BLE001 - kept for the test to see
                # The lab logs such an error and goes on; so does this client.
                self.errors.append(e)

    def _handle(self, message: bytes) -> None:
        kind = message[0]
        if kind == YMessageType.SYNC:
            self._applying_remote = True
            try:
                reply = handle_sync_message(message[1:], self.doc)
            finally:
                self._applying_remote = False
            if reply is not None:
                self._outbox.put_nowait(reply)
            if message[1] == YSyncMessageType.SYNC_STEP2:
                self.synced.set()
        elif kind == YMessageType.AWARENESS:
            self.awareness.apply_awareness_update(read_message(message[1:]), "remote")
        elif kind == RAW:
            decoder = Decoder(message)
            decoder.read_var_uint()
            payload = json.loads(decoder.read_var_string())
            self.raw.append(payload)
            future = self._saves.pop(payload.get("responseTo", -1), None)
            if payload.get("type") == "save" and future is not None and not future.done():
                future.set_result(payload)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.user or '?'} in {self.room_id}>"


class NotebookClient(RoomClient):
    """A collaborator on one notebook, through a ``jupyter_ydoc.YNotebook`` over its Doc."""

    def __init__(self, server: CollabServer, path: str, file_id: str, **kwargs: Any) -> None:
        super().__init__(server, f"json:notebook:{file_id}", **kwargs)
        self.path = path
        self.file_id = file_id
        self.notebook = YNotebook(self.doc)

    @classmethod
    async def open(
        cls,
        server: CollabServer,
        path: str,
        *,
        user: str | None = None,
        doc: Doc | None = None,
        session_id: str | None = None,
        renew_awareness: float | None = None,
        wait_synced: bool = True,
    ) -> NotebookClient:
        """Open ``path`` like the lab: ask for the document session, then join its room.

        ``doc`` and ``session_id`` resume an earlier client's document and session (the
        server's current session by default)."""
        status, session = await server.request(
            "PUT",
            "api/collaboration/session/" + quote(path, safe=""),
            {"format": "json", "type": "notebook"},
        )
        assert status in (200, 201), (status, session)
        client = cls(
            server,
            path,
            session["fileId"],
            session_id=session_id or session["sessionId"],
            doc=doc,
            user=user,
            renew_awareness=renew_awareness,
        )
        await client.connect(wait_synced=wait_synced)
        return client

    def sources(self) -> list[str]:
        """Each cell's source, in order (read straight from the Y doc: duplicates stay)."""
        return [str(cell["source"]) for cell in self.notebook.ycells]

    def cell_ids(self) -> list[str]:
        return [str(cell.get("id")) for cell in self.notebook.ycells]

    def cell(self, index: int) -> dict[str, Any]:
        """One cell as a dict (its metadata included)."""
        return self.notebook.get_cell(index)


class AwarenessClient(RoomClient):
    """A tab's presence in the lab-wide ``JupyterLab:globalAwareness`` room (no document)."""

    @classmethod
    async def open(
        cls, server: CollabServer, *, user: str, renew_awareness: float | None = None
    ) -> AwarenessClient:
        client = cls(server, GLOBAL_AWARENESS_ROOM, user=user, renew_awareness=renew_awareness)
        await client.connect()
        return client
