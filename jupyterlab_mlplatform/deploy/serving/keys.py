"""Per-deployment API keys: the scoring server only verifies them.

The deployment manager creates, lists and revokes keys; it hands the server the set of
valid ones as a **keys file** (``--keys-file PATH``), which the server re-reads whenever
the file changes (its mtime, size or inode; checked on every request, a ``stat``).

The contract:

* A key is ``<key_id>.<secret>``: ``key_id`` is 1-64 characters of ``[A-Za-z0-9_-]``,
  the secret is random (:func:`generate_key` makes 32 bytes, URL-safe base64).  Callers
  send ``Authorization: Bearer <key>``.
* The file is UTF-8 text, one key per line: ``<key_id> <hash>``; blank lines and lines
  starting with ``#`` are ignored.  ``<hash>`` (of the whole key, UTF-8) is
  ``hmac_sha256$<salt>$<digest>`` (HMAC-SHA256 keyed with the salt; what :func:`hash_key`
  writes), or a slow hash: ``scrypt$<n>$<r>$<p>$<salt>$<digest>`` or
  ``pbkdf2_sha256$<iterations>$<salt>$<digest>`` (``hash_key(key, slow=True)`` writes scrypt
  n=2**14, r=8, p=1); salt and digest in URL-safe base64.
* Revoking a key = rewriting the file without its line.  Write the file atomically
  (:func:`write_keys_file`: a temporary file renamed over it, mode 0600; :mod:`.atomic`).
* A configured file that is missing or unreadable denies every key (fails closed).

Why a fast hash: every key :func:`generate_key` makes has a 256-bit random secret, which no
one can search for from its hash, slow or fast; a slow hash (scrypt, about 30 ms) only
protects guessable secrets such as passwords.  What it does give is a lever to whoever can
reach the port: with a known key id (the proxy's is public) and random secrets, each request
costs 30 ms of CPU and a few attackers starve the legitimate callers.  So keys are stored
as a salted HMAC-SHA256 and compared in constant time: a wrong secret costs microseconds.
Slow hashes (keys files written before, or keys chosen by a person) are still verified, at
most :data:`SLOW_CHECKS_BURST` at once and :data:`SLOW_CHECKS_PER_SECOND` after that per key
id; beyond it a key is refused without hashing.  A key id not in the file costs nothing.

A successful check is remembered (by the SHA-256 of the key) until the file changes; a
failed one too, in a bounded cache.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping

from .atomic import write_atomically

log = logging.getLogger(__name__)

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_MAX_FAILED = 1024
SLOW_CHECKS_BURST = 4
SLOW_CHECKS_PER_SECOND = 2.0
"""Slow-hash checks allowed per key id (a token bucket): what a flood of wrong secrets for
an id with a scrypt hash can cost is bounded to about 60 ms of CPU per second."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_key(key_id: str | None = None) -> str:
    """A new key ``<key_id>.<secret>`` (a random id when none is given)."""
    key_id = key_id or secrets.token_hex(6)
    if not KEY_ID.match(key_id):
        raise ValueError("A key id is 1-64 characters of letters, digits, '_' and '-'.")
    return f"{key_id}.{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    """The id part of a key, None if the key is not shaped ``<key_id>.<secret>``."""
    key_id, dot, secret = key.partition(".")
    return key_id if dot and secret and KEY_ID.match(key_id) else None


def hash_key(key: str, slow: bool = False) -> str:
    """The salted hash of ``key`` for the keys file: HMAC-SHA256, for the high-entropy keys
    :func:`generate_key` makes; scrypt with ``slow``, for a key a person chose."""
    salt = secrets.token_bytes(16)
    if not slow:
        digest = hmac.new(salt, key.encode(), hashlib.sha256).digest()
        return f"hmac_sha256${_b64(salt)}${_b64(digest)}"
    digest = hashlib.scrypt(key.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def is_slow(encoded: str) -> bool:
    """Whether checking a key against this hash costs a slow key derivation."""
    return not encoded.startswith("hmac_sha256$")


def check_hash(key: str, encoded: str) -> bool:
    """Whether ``key`` matches a hash written by :func:`hash_key` (or pbkdf2_sha256)."""
    parts = encoded.split("$")
    try:
        if parts[0] == "hmac_sha256" and len(parts) == 3:
            expected = _unb64(parts[2])
            got = hmac.new(_unb64(parts[1]), key.encode(), hashlib.sha256).digest()
        elif parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            if not (1 < n <= 2**20 and 0 < r <= 32 and 0 < p <= 16):
                return False
            expected = _unb64(parts[5])
            got = hashlib.scrypt(
                key.encode(), salt=_unb64(parts[4]), n=n, r=r, p=p,
                maxmem=256 * n * r + 2**20, dklen=len(expected),
            )  # fmt: skip
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            if not 0 < iterations <= 10_000_000:
                return False
            expected = _unb64(parts[3])
            got = hashlib.pbkdf2_hmac(
                "sha256", key.encode(), _unb64(parts[2]), iterations, dklen=len(expected)
            )
        else:
            return False
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def write_keys_file(path: str, hashes: Mapping[str, str]) -> None:
    """Write ``{key_id: hash}`` as a keys file, atomically (readers never see half)."""
    lines = ["# key_id hash  (jupyterlab_mlplatform.deploy.serving.keys)"]
    for key_id, encoded in hashes.items():
        if not KEY_ID.match(key_id) or any(c.isspace() for c in encoded):
            raise ValueError(f"Invalid key id or hash for {key_id!r}.")
        lines.append(f"{key_id} {encoded}")
    write_atomically(path, "\n".join(lines) + "\n")


class KeyStore:
    """The valid keys of a keys file, re-read when the file changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._hashes: dict[str, str] = {}
        self._valid: dict[bytes, str] = {}
        self._failed: OrderedDict[bytes, None] = OrderedDict()
        self._slow_budget: dict[str, tuple[float, float]] = {}
        """Per key id with a slow hash: (checks left, when counted)."""
        self._refresh()

    def _refresh(self) -> None:
        try:
            stat = os.stat(self.path)
        except OSError:
            stamp = None
        else:
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp and self._stamp is not None:
            return
        self._stamp = stamp
        self._valid.clear()
        self._failed.clear()
        self._slow_budget = {}
        self._hashes = {}
        if stamp is None:
            log.warning("The keys file %s is missing: every key is refused.", self.path)
            return
        try:
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as e:
            log.warning("The keys file %s cannot be read (%s): every key is refused.", self.path, e)
            return
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split()
            if len(fields) != 2 or not KEY_ID.match(fields[0]):
                log.warning("%s line %d is not '<key_id> <hash>': skipped.", self.path, number)
                continue
            self._hashes[fields[0]] = fields[1]
        log.info("Loaded %d API key(s) from %s.", len(self._hashes), self.path)

    def verify(self, key: str) -> str | None:
        """The key's id if it is valid now, else None."""
        self._refresh()
        digest = hashlib.sha256(key.encode()).digest()
        known = self._valid.get(digest)
        if known is not None:
            return known
        if digest in self._failed:
            return None
        key_id = key_id_of(key)
        encoded = self._hashes.get(key_id) if key_id else None
        if key_id is None or encoded is None:
            return None  # no hashing, nothing to remember
        if is_slow(encoded) and not self._may_check_slowly(key_id):
            return None  # not remembered as failed: it was not checked
        if check_hash(key, encoded):
            self._valid[digest] = key_id
            return key_id
        self._failed[digest] = None
        if len(self._failed) > _MAX_FAILED:
            self._failed.popitem(last=False)
        return None

    def _may_check_slowly(self, key_id: str) -> bool:
        """Take one slow check from the key id's budget (a token bucket)."""
        now = time.monotonic()
        left, then = self._slow_budget.get(key_id, (float(SLOW_CHECKS_BURST), now))
        left = min(float(SLOW_CHECKS_BURST), left + (now - then) * SLOW_CHECKS_PER_SECOND)
        if left < 1.0:
            self._slow_budget[key_id] = (left, now)
            log.debug("Too many checks of key id %s: refused without checking.", key_id)
            return False
        self._slow_budget[key_id] = (left - 1.0, now)
        return True

    def verify_header(self, authorization: str | None) -> str | None:
        """The key id of an ``Authorization: Bearer <key>`` header, None if refused."""
        if not authorization:
            return None
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        return self.verify(key.strip())
