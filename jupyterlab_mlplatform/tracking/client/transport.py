"""HTTP access to the tracking API from a kernel or a script (keep-alive, typed errors)."""

from __future__ import annotations

import os
from typing import IO, Any

import requests

from ...constants import API_ROOT
from ...kernels.names import TOKEN_VARIABLE, URL_VARIABLE

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class MLPlatformClientError(Exception):
    """A request the server refused (``status`` is its HTTP status) or could not receive."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def retryable(self) -> bool:
        """True for faults that may pass (server down, restarting, overloaded)."""
        return self.status is None or self.status in RETRYABLE_STATUS


class Transport:
    """One keep-alive HTTP session to ``{url}mlplatform/api/``."""

    def __init__(self, url: str, token: str | None, timeout: float = 30.0) -> None:
        self.base = f"{url.rstrip('/')}/{API_ROOT}/"
        self.timeout = timeout
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"token {token}"

    @classmethod
    def from_environment(cls) -> Transport:
        url = os.environ.get(URL_VARIABLE)
        if not url:
            raise MLPlatformClientError(
                f"No tracking server: set {URL_VARIABLE} (and {TOKEN_VARIABLE}) to the Jupyter "
                "server's URL and token. Kernels started by JupyterLab have them already."
            )
        return cls(url, os.environ.get(TOKEN_VARIABLE))

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        data: IO[bytes] | bytes | None = None,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            response = self.session.request(
                method,
                self.base + path,
                json=json,
                params=params,
                data=data,
                timeout=timeout or self.timeout,
                headers=headers,
            )
        except requests.RequestException as e:
            raise MLPlatformClientError(f"Cannot reach the tracking server: {e}") from e
        if response.status_code >= 400:
            try:
                message = response.json().get("message") or response.reason
            except ValueError:
                message = response.reason or f"HTTP {response.status_code}"
            raise MLPlatformClientError(str(message), response.status_code)
        if not response.content:
            return None
        return response.json()

    def close(self) -> None:
        self.session.close()
