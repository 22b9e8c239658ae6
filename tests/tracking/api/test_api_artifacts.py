"""Artifact upload, download and listing through the REST API; paths cannot escape."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError


async def _run(mlp_api: Any) -> str:
    _, run = await mlp_api("POST", "runs", {})
    return str(run["run_id"])


async def test_upload_download_and_list(mlp_api: Any, jp_fetch: Any) -> None:
    rid = await _run(mlp_api)
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several chunks
    status, info = await mlp_api("PUT", f"runs/{rid}/artifacts/model/weights.bin", raw=payload)
    assert status == 201 and info["size"] == len(payload)
    await mlp_api("PUT", f"runs/{rid}/artifacts/notes.txt", raw=b"hello")
    response = await jp_fetch("mlplatform", "api", "runs", rid, "artifacts", "model", "weights.bin")
    assert response.body == payload
    text = await jp_fetch("mlplatform", "api", "runs", rid, "artifacts", "notes.txt")
    assert text.body == b"hello" and text.headers["Content-Type"].startswith("text/plain")
    _, root = await mlp_api("GET", f"runs/{rid}/artifacts")
    assert [(f["path"], f["is_dir"]) for f in root["files"]] == [
        ("model", True),
        ("notes.txt", False),
    ]
    _, folder = await mlp_api("GET", f"runs/{rid}/artifacts", path="model")
    assert folder["files"] == [{"path": "model/weights.bin", "is_dir": False, "size": len(payload)}]
    # Replacing a file keeps one file with the new content
    await mlp_api("PUT", f"runs/{rid}/artifacts/notes.txt", raw=b"v2")
    again = await jp_fetch("mlplatform", "api", "runs", rid, "artifacts", "notes.txt")
    assert again.body == b"v2"


async def test_empty_files_keep_their_type(mlp_api: Any, jp_fetch: Any) -> None:
    """An empty download sends no chunk: its headers must still say what it is, not JSON."""
    rid = await _run(mlp_api)
    await mlp_api("PUT", f"runs/{rid}/artifacts/empty.txt", raw=b"")
    response = await jp_fetch("mlplatform", "api", "runs", rid, "artifacts", "empty.txt")
    assert response.body == b""
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Length"] == "0"


@pytest.mark.parametrize(
    "path",
    [
        "../escape.txt",
        "a/../../escape.txt",
        "%2Fetc%2Fpasswd",
        "..%2F..%2Fescape.txt",
        "a%5C..%5Cb",
        "x%00y",
    ],
)
async def test_paths_cannot_escape_the_run(
    mlp_api: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    mlp_data_dir: Path,
    path: str,
) -> None:
    rid = await _run(mlp_api)
    # Sent as written (jp_fetch would escape the % signs): the server sees the encoded form.
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlplatform/api/runs/{rid}/artifacts/{path}"
    client = AsyncHTTPClient()
    for method, body in (("PUT", b"pwned"), ("GET", None)):
        with pytest.raises(HTTPClientError) as info:
            await client.fetch(url, method=method, body=body, headers=jp_auth_header)
        assert info.value.code in (400, 404)
    escaped = [p for p in mlp_data_dir.parent.rglob("escape.txt")]
    assert escaped == []
    _, listing = await mlp_api("GET", f"runs/{rid}/artifacts", path="../..")
    assert "message" in listing


async def test_symlinks_out_of_the_run_are_refused(
    mlp_api: Any, jp_fetch: Any, mlp_data_dir: Path, tmp_path: Path
) -> None:
    rid = await _run(mlp_api)
    await mlp_api("PUT", f"runs/{rid}/artifacts/ok.txt", raw=b"ok")
    _, run = await mlp_api("GET", f"runs/{rid}")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    Path(run["artifact_uri"], "link.txt").symlink_to(secret)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mlplatform", "api", "runs", rid, "artifacts", "link.txt")
    assert info.value.code == 400


async def test_oversize_uploads_are_refused_and_keep_the_old_file(
    mlp_api: Any, jp_fetch: Any, mlp_app: Any
) -> None:
    rid = await _run(mlp_api)
    await mlp_api("PUT", f"runs/{rid}/artifacts/data.csv", raw=b"a,b\n1,2\n")
    mlp_app.tracking.artifacts.max_size = 1000
    status, reply = await mlp_api("PUT", f"runs/{rid}/artifacts/data.csv", raw=b"x" * 5000)
    assert status == 413 and "limited" in reply["message"]
    kept = await jp_fetch("mlplatform", "api", "runs", rid, "artifacts", "data.csv")
    assert kept.body == b"a,b\n1,2\n"
    _, listing = await mlp_api("GET", f"runs/{rid}/artifacts")
    assert [f["path"] for f in listing["files"]] == ["data.csv"]


async def test_missing_artifacts_and_runs_are_404(mlp_api: Any) -> None:
    rid = await _run(mlp_api)
    status, _ = await mlp_api("GET", f"runs/{rid}/artifacts/nothing.txt")
    assert status == 404
    status, _ = await mlp_api("GET", f"runs/{rid}/artifacts", path="nothing")
    assert status == 404
    status, _ = await mlp_api("PUT", "runs/nope/artifacts/x.txt", raw=b"x")
    assert status == 404


async def test_model_packages_uploaded_at_once_are_all_listed_in_the_runs_tag(
    mlp_api: Any,
) -> None:
    # Given a run, and six model packages' descriptions uploaded to it at the same time
    _, run = await mlp_api("POST", "runs", {})
    rid = run["run_id"]
    folders = [f"model_{n}" for n in range(6)]
    uploads = [
        mlp_api(
            "PUT",
            f"runs/{rid}/artifacts/{folder}/mlplatform_model.json",
            raw=json.dumps({"flavor": "sklearn"}).encode(),
        )
        for folder in folders
    ]
    assert [status for status, _ in await asyncio.gather(*uploads)] == [201] * 6

    # Then the run's mlplatform.models tag lists every one (none lost to another's update)
    _, run = await mlp_api("GET", f"runs/{rid}")
    listed = json.loads(run["tags"]["mlplatform.models"])
    assert listed == [{"artifact_path": folder, "flavor": "sklearn"} for folder in folders]
