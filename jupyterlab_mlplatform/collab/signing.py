"""Signatures of the execution records the server writes into shared notebooks.

Anyone connected to a room can change a cell's metadata, so a record saying who ran a
cell is only worth something if the server can tell its own from a forgery.  Each record
carries an HMAC of its canonical JSON and of the cell's id (a record copied into another
cell does not verify) under a key only the server holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .models import ExecutionRecord

KEY_BYTES = 32
SIGNATURE_CHARS = 32


class RecordSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("The attribution key must have at least 16 bytes.")
        self._key = key

    def sign(self, cell_id: str, record: ExecutionRecord) -> ExecutionRecord:
        """The record with its signature for ``cell_id``."""
        return record.model_copy(update={"sig": self._mac(cell_id, record)})

    def verified(self, cell_id: str, raw: Any) -> ExecutionRecord | None:
        """The record in ``raw`` (as read from the document) if it is the server's own for
        this cell, else None.  Numbers may come back as floats from the browser (Yjs)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("sig"), str):
            return None
        try:
            record = ExecutionRecord.model_validate(raw)
        except ValidationError:
            return None
        expected = self._mac(cell_id, record)
        return record if hmac.compare_digest(expected, record.sig) else None

    def _mac(self, cell_id: str, record: ExecutionRecord) -> str:
        body = record.model_dump(mode="json", exclude={"sig"})
        text = json.dumps([cell_id, body], sort_keys=True, separators=(",", ":"))
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_CHARS]


def load_or_create_key(path: Path) -> bytes:
    """The key kept in ``path``; created (readable by the owner only) when missing.  Two
    servers starting at once on one data dir end up with the same key."""
    for _ in range(3):
        try:
            key = bytes.fromhex(path.read_text().strip())
        except FileNotFoundError:
            pass
        else:
            if len(key) >= 16:
                return key
            raise ValueError(f"{path} does not hold an attribution key.")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(key.hex())
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)  # fails if another server created it first
            return key
        except FileExistsError:
            continue
        finally:
            temporary.unlink(missing_ok=True)
    raise OSError(f"Could not create the attribution key {path}.")
