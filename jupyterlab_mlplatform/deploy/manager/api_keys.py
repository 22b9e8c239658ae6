"""A deployment's API keys: created, listed and revoked here, verified by its scoring server.

``<folder>/api_keys.json`` keeps each key's id, name, prefix, author, creation time and
salted hash (never the key; HMAC-SHA256 for keys made now, scrypt for keys made before).
``<folder>/keys`` is the scoring server's keys file
(:mod:`jupyterlab_mlplatform.deploy.serving.keys`, which says why a fast hash): the same
hashes, plus the manager's own key for the invocations proxy, stats and metadata, which is
made again at every start of the Jupyter server and lives only in its memory.

Both files are read, changed and written under one lock (creates and revokes run on
threads, and the manager rewrites the keys file at each start): a revoked key stays
revoked and every created key is stored.
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from ...errors import NotFound
from ..serving.atomic import write_atomically
from ..serving.keys import generate_key, hash_key, write_keys_file
from .models import ApiKey, ApiKeyCreated

PROXY_KEY_ID = "mlplatform-proxy"
PREFIX_CHARS = 6
"""Characters of the secret shown in listings, after the id."""


class ApiKeys:
    """The keys of one deployment (its folder holds both files)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.records_file = folder / "api_keys.json"
        self.keys_file = folder / "keys"
        self.proxy_key = generate_key(PROXY_KEY_ID)
        self._lock = threading.Lock()
        self._closed = False

    @cached_property
    def _proxy_hash(self) -> str:
        """The proxy key's hash (a fast one: a wrong proxy secret must cost the scoring
        server microseconds, not a slow key derivation)."""
        return hash_key(self.proxy_key)

    def _records(self) -> list[dict[str, str | None]]:
        try:
            data = json.loads(self.records_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return list(data.get("keys", []))

    def _store(self, records: list[dict[str, str | None]]) -> None:
        """Write both files (the caller holds the lock)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.records_file, json.dumps({"keys": records}, indent=1), fsync=True)
        self._write_keys_file(records)

    def write_keys_file(self) -> Path:
        """(Re)write the scoring server's keys file from the stored keys; returns its path."""
        with self._lock:
            self._write_keys_file(self._records())
        return self.keys_file

    def _write_keys_file(self, records: list[dict[str, str | None]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        hashes = {PROXY_KEY_ID: self._proxy_hash}
        for record in records:
            hashes[str(record["id"])] = str(record["hash"])
        write_keys_file(str(self.keys_file), hashes)

    def close(self) -> None:
        """The deployment is being deleted: no key is created or revoked from now on (a
        create finishing after the folder is removed would leave its keys for the next
        deployment of that name)."""
        with self._lock:
            self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise NotFound("No deployment with that name.")

    def entries(self) -> list[ApiKey]:
        return [_to_wire(record) for record in self._records()]

    def create(self, name: str | None, user: str | None) -> ApiKeyCreated:
        key_id = secrets.token_hex(6)
        key = generate_key(key_id)
        record: dict[str, str | None] = {
            "id": key_id,
            "prefix": key[: len(key_id) + 1 + PREFIX_CHARS],
            "name": name,
            "created_by": user,
            "created_at": datetime.now(UTC).isoformat(),
            "hash": hash_key(key),
        }
        with self._lock:
            self._check_open()
            self._store([*self._records(), record])
        return ApiKeyCreated(**_to_wire(record).model_dump(), key=key)

    def revoke(self, key_id: str) -> ApiKey:
        with self._lock:
            self._check_open()
            records = self._records()
            kept = [record for record in records if record["id"] != key_id]
            if len(kept) == len(records):
                raise NotFound("No API key with that id for this deployment.")
            self._store(kept)
        return _to_wire(next(record for record in records if record["id"] == key_id))


def _to_wire(record: dict[str, str | None]) -> ApiKey:
    return ApiKey(
        id=str(record["id"]),
        prefix=str(record["prefix"]),
        name=record.get("name"),
        created_by=record.get("created_by"),
        created_at=datetime.fromisoformat(str(record["created_at"])),
    )
