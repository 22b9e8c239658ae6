"""The live events websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(ws.read_message(), 10)
        assert message is not None, "the socket closed"
        event = json.loads(message)
        if event["type"] == kind:
            return event  # type: ignore[no-any-return]


async def test_events_stream_runs_and_coalesced_metrics(jp_ws_fetch: Any, mlp_api: Any) -> None:
    ws = await jp_ws_fetch("mlplatform", "api", "events")
    _, run = await mlp_api("POST", "runs", {"name": "live"})
    created = await _next(ws, "run_created")
    assert created["run"]["run_id"] == run["run_id"]
    for step in range(50):
        await mlp_api(
            "POST",
            f"runs/{run['run_id']}/log",
            {"metrics": [{"key": "loss", "value": 1 / (step + 1), "step": step}]},
        )
    seen = 0
    latest: dict[str, Any] = {}
    while seen < 50:
        event = await _next(ws, "metrics_appended")
        seen += event["count"]
        latest = event["latest"]
    assert seen == 50  # every point is counted once, however the events were cut
    assert latest["loss"]["step"] == 49
    await mlp_api("PATCH", f"runs/{run['run_id']}", {"status": "FINISHED"})
    updated = await _next(ws, "run_updated")
    assert updated["run"]["status"] == "FINISHED"
    ws.close()


async def test_events_need_authentication(jp_ws_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("mlplatform", "api", "events", headers={"Authorization": ""})
    assert info.value.code == 403


async def test_events_refusals_are_json(jp_fetch: Any) -> None:
    # a plain GET (no websocket upgrade), with and without credentials
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mlplatform", "api", "events")
    assert info.value.code == 400
    assert info.value.response is not None
    assert info.value.response.headers["Content-Type"].startswith("application/json")
    assert "WebSocket" in json.loads(info.value.response.body)["message"]
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mlplatform", "api", "events", headers={"Authorization": ""})
    assert info.value.code == 403
    assert info.value.response is not None
    assert json.loads(info.value.response.body)["message"]
