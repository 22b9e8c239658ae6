"""Execution records are signed for their cell: a forged, altered or moved record fails."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from jupyterlab_mlplatform.collab.models import CollabUser, ExecutionRecord, ExecutionStatus
from jupyterlab_mlplatform.collab.signing import RecordSigner, load_or_create_key


def record(**changes: object) -> ExecutionRecord:
    base = ExecutionRecord(
        user=CollabUser(username="alice", name="Alice", display_name="Alice Smith"),
        started=1_765_000_000_123,
        ended=1_765_000_004_000,
        status=ExecutionStatus.OK,
        execution_count=7,
        kernel_id="k-1",
        runs=["r1", "r2"],
    )
    return base.model_copy(update=changes)


def test_a_signed_record_verifies_for_its_cell_only() -> None:
    signer = RecordSigner(b"k" * 32)
    signed = signer.sign("cell-a", record())
    raw = signed.model_dump(mode="json")
    assert signer.verified("cell-a", raw) == signed
    assert signer.verified("cell-b", raw) is None  # copied into another cell
    assert RecordSigner(b"x" * 32).verified("cell-a", raw) is None  # another server's key


@pytest.mark.parametrize(
    "change",
    [
        {"user": {"username": "bob", "name": "Bob", "display_name": "Bob"}},
        {"runs": ["r1"]},
        {"execution_count": 8},
        {"status": "error"},
        {"sig": ""},
        {"sig": None},
    ],
)
def test_any_change_to_a_signed_record_fails(change: dict[str, object]) -> None:
    signer = RecordSigner(b"k" * 32)
    raw = signer.sign("cell-a", record()).model_dump(mode="json")
    assert signer.verified("cell-a", {**raw, **change}) is None


def test_numbers_coming_back_as_floats_still_verify() -> None:
    # Yjs stores large integers as float64; pycrdt reads them back as floats.
    signer = RecordSigner(b"k" * 32)
    raw = signer.sign("cell-a", record()).model_dump(mode="json")
    as_floats = {**raw, "started": float(raw["started"]), "execution_count": 7.0}
    assert signer.verified("cell-a", as_floats) is not None


@pytest.mark.parametrize("raw", [None, "text", [], {"sig": "x"}, {"user": 1, "sig": "y"}])
def test_shapes_that_are_not_records_do_not_verify(raw: object) -> None:
    assert RecordSigner(b"k" * 32).verified("cell-a", raw) is None


def test_the_key_is_created_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "collaboration" / "attribution.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_key(path) == key


def test_servers_creating_the_key_at_once_share_it(tmp_path: Path) -> None:
    path = tmp_path / "attribution.key"
    keys: list[bytes] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        keys.append(load_or_create_key(path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert bytes.fromhex(path.read_text()) == keys[0]
    assert [p.name for p in tmp_path.iterdir()] == ["attribution.key"]  # no temporaries


def test_a_damaged_key_file_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    path = tmp_path / "attribution.key"
    path.write_text("not hex")
    with pytest.raises(ValueError):
        load_or_create_key(path)
