"""collab_status against real servers: co-editing on, turned off, not loaded, not installed."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from jupyterlab_mlplatform.collab.models import CollabStatus
from jupyterlab_mlplatform.collab.status import collab_status


def test_on_when_jupyter_collaboration_is_loaded(jp_serverapp: Any) -> None:
    assert collab_status(jp_serverapp) == CollabStatus(enabled=True)


@pytest.mark.parametrize(
    "mlp_collab_config", [{"YDocExtension": {"disable_rtc": True}}], indirect=True
)
def test_off_when_rtc_is_disabled(jp_serverapp: Any) -> None:
    status = collab_status(jp_serverapp)
    assert (status.enabled, status.reason) == (False, "disabled")
    assert "disable_rtc" in status.message


@pytest.mark.parametrize("mlp_ydoc_enabled", [False], indirect=True)
def test_off_when_the_server_extension_is_not_loaded(jp_serverapp: Any) -> None:
    status = collab_status(jp_serverapp)
    assert (status.enabled, status.reason) == (False, "disabled")
    assert "jupyter server extension enable jupyter_server_ydoc" in status.message


@pytest.mark.parametrize("mlp_ydoc_enabled", [False], indirect=True)
def test_not_installed_when_it_cannot_be_imported(
    jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "jupyter_server_ydoc", None)  # import fails
    status = collab_status(jp_serverapp)
    assert (status.enabled, status.reason) == (False, "not_installed")
    assert "pip install jupyter-collaboration" in status.message


async def test_the_rest_route_says_so(mlp_api: Any) -> None:
    status, body = await mlp_api("GET", "collaboration")
    assert status == 200
    assert body == {"enabled": True, "reason": None, "message": ""}


@pytest.mark.parametrize(
    "mlp_collab_config", [{"YDocExtension": {"disable_rtc": True}}], indirect=True
)
async def test_the_rest_route_says_why_not(mlp_api: Any) -> None:
    status, body = await mlp_api("GET", "collaboration")
    assert status == 200
    assert (body["enabled"], body["reason"]) == (False, "disabled")
    assert "disable_rtc" in body["message"]
