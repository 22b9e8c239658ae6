"""No route of the server answers a caller without valid credentials, built from the routes the
running server really has (not a hand list).

Every route of the tornado application (the platform's REST API, its MLflow-compatible API,
the deployments' routes, jupyter-server's and the other extensions' routes) and every
method its handler implements gets a request with no credentials and with wrong ones (a
wrong server token, a wrong token as a bearer, a forged kernel token): the answer must be
401/403 (jupyter-server sends a browser's page request to its login page: 302 to ``login``),
never 2xx or 5xx.  Every websocket, the platform's events socket, the kernels' channels and
the co-editing rooms among them, must refuse the upgrade.

A method may only be public if its handler says so (jupyter-server's
``@allow_unauthenticated``); on the platform's own handlers each such method must also be
listed in :data:`PUBLIC` with the reason.  A handler from a package this test does not know
fails it, so a new extension or route is looked at before it ships.

The scoring server (a deployment's own port, with its API keys) has routes of its own:
they are checked the same way against a real scoring process with a keys file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from jupyterlab_mlplatform.deploy.serving import app as serving_app
from tests.routes import Route, registered_routes
from tests.scoring_server import ScoringServer, start_scoring_server

OURS = "jupyterlab_mlplatform."

KNOWN_PACKAGES = (
    "jupyter_server.",
    "jupyter_server_terminals.",
    "jupyter_server_ydoc.",
    "jupyter_server_fileid.",
    "jupyterlab_server.",
    "jupyterlab.",
    "jupyter_lsp.",
    "notebook_shim.",
)
"""Packages whose handlers this test knows: they authenticate through jupyter-server's base
handlers, as ours do; a handler from anywhere else fails the test until it is looked at."""

PUBLIC: dict[tuple[str, str], str] = {
    ("*", "options"): "CORS preflight: jupyter-server's APIHandler.options answers 204 with "
    "the CORS headers and no data, to anyone (browsers send it without credentials).",
}
"""The platform's methods that answer without credentials, by (handler, method)."""

SCORING_PUBLIC = {
    "/health": "liveness/readiness probe for orchestrators; answers only {'status': 'ok'}",
    "/ping": "MLflow's alias of /health",
}
"""The scoring server's routes that need no API key."""

WRONG_CREDENTIALS: dict[str, dict[str, str]] = {
    "none": {},
    "wrong server token": {"Authorization": "token not-the-token"},
    "wrong bearer token": {"Authorization": "Bearer not-the-token"},
    "forged kernel token": {
        "Authorization": "Bearer 0b7c3c4e-6c0a-4a8e-9d6b-0d6f3c3f1a2b." + "0" * 40
    },
}

KERNEL_ID = "0b7c3c4e-6c0a-4a8e-9d6b-0d6f3c3f1a2b"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """The platform with jupyter-collaboration loaded (as `pip install` enables it), so
    its co-editing routes and room websocket are registered too."""
    config = {**jp_server_config, "ServerApp": dict(jp_server_config["ServerApp"])}
    config["ServerApp"]["jpserver_extensions"] = {
        **config["ServerApp"]["jpserver_extensions"],
        "jupyter_server_ydoc": True,
        "jupyter_server_fileid": True,
    }
    return config


def _public_reason(route: Route, method: str) -> str | None:
    """Why ``method`` of ``route`` answers without credentials, or None if it must not."""
    function = getattr(route.handler, method)
    if not getattr(function, "__allow_unauthenticated", False):
        return None
    if not route.module.startswith(OURS):
        return f"declared public by {route.module}"
    return PUBLIC.get((route.handler.__name__, method)) or PUBLIC.get(("*", method))


def _refused(route: Route, method: str, status: int, headers: Any, body: bytes) -> str | None:
    """What is wrong with this answer to a caller without valid credentials, if anything."""
    if status in (401, 403):
        if route.module.startswith(OURS):
            try:
                message = json.loads(body).get("message")
            except ValueError:
                return f"{status} without a JSON body"
            if not message:
                return f"{status} without a message"
        return None
    if status == 302 and method in ("get", "head") and not route.module.startswith(OURS):
        # jupyter-server's pages send a browser to the login page.
        location = headers.get("Location", "")
        return None if "/login" in location else f"302 to {location!r}"
    return f"answered {status}"


async def test_every_route_refuses_callers_without_credentials(
    jp_serverapp: Any, jp_http_port: int, mlp_api: Any
) -> None:
    # Given: real resources, so that a route that skipped authentication would answer 2xx
    params = await _real_params(mlp_api)
    routes = registered_routes(jp_serverapp.web_app)
    unknown = sorted(
        {f"{r.module}.{r.handler.__name__}" for r in routes}
        - {f"{r.module}.{r.handler.__name__}" for r in routes if _known(r)}
    )
    assert not unknown, f"handlers from packages this test does not know: {unknown}"
    ours = [r for r in routes if r.module.startswith(OURS)]
    assert len(ours) >= 60, "the platform's routes are missing from the application"
    # When: every method of every route is called with no or wrong credentials
    sent, problems = await _sweep(routes, WRONG_CREDENTIALS, jp_http_port, params)
    # Then: each was refused (or is public on purpose, and tells nothing)
    assert sent > 4 * len(ours)
    assert not problems, "\n".join(problems)


async def test_kernel_tokens_open_only_the_platform(
    jp_serverapp: Any, jp_http_port: int, mlp_api: Any, mlp_app: Any
) -> None:
    """The server-wide kernel token and a kernel's own token are for the platform's API
    only: every other route of the server (contents, kernels, terminals, config, the
    co-editing rooms, other kernels' channels) refuses them."""
    # Given: valid kernel credentials
    params = await _real_params(mlp_api)
    credentials = mlp_app.kernel_credentials
    tokens = {
        "server-wide kernel token": {"Authorization": f"token {credentials.token}"},
        "a kernel's token": {"Authorization": f"Bearer {credentials.token_for(KERNEL_ID)}"},
    }
    platform = f"http://localhost:{jp_http_port}{jp_serverapp.base_url}mlplatform/api/experiments"
    for headers in tokens.values():  # (they do open the platform)
        response = await AsyncHTTPClient().fetch(platform, headers=headers, raise_error=False)
        assert response.code == 200
    others = [r for r in registered_routes(jp_serverapp.web_app) if not r.module.startswith(OURS)]
    # When: every other route is called with them, websockets opened
    sent, problems = await _sweep(others, tokens, jp_http_port, params)
    for route in (r for r in others if r.is_websocket):
        for label, headers in tokens.items():
            problem = await _websocket_problem(route, jp_http_port, headers)
            if problem:
                problems.append(f"WS {route.pattern} ({label}): {problem}")
    # Then: all refuse
    assert sent > 100
    assert not problems, "\n".join(problems)


async def _real_params(mlp_api: Any) -> dict[str, str]:
    """Path parameters naming real resources (and placeholders for the rest)."""
    status, experiment = await mlp_api("POST", "experiments", {"name": "auth"})
    assert status == 201
    status, run = await mlp_api(
        "POST", "runs", {"experiment_id": experiment["experiment_id"], "name": "r"}
    )
    assert status == 201
    return {
        "experiment_id": experiment["experiment_id"],
        "run_id": run["run_id"],
        "key": "loss",
        "path": "notes.txt",
        "name": "demo",
        "key_id": "k1",
        "model_id": "m-1",
        "kernel_id": KERNEL_ID,
        "session_id": KERNEL_ID,
        "section_name": "notebook",
        "kernel_name": "python3",
        "format": "html",
        "checkpoint_id": "checkpoint",
        "room": "json:notebook:0",
    }


async def _sweep(
    routes: list[Route], credentials: dict[str, dict[str, str]], port: int, params: dict[str, str]
) -> tuple[int, list[str]]:
    """Every method of every (non-websocket) route with each set of headers: how many
    requests were sent, and each answer that was not a refusal."""
    client = AsyncHTTPClient()
    problems: list[str] = []
    sent = 0
    for route in routes:
        if route.is_websocket:
            continue
        path = route.path(params)
        for method in route.methods:
            reason = _public_reason(route, method)
            if reason is not None and not route.module.startswith(OURS):
                continue  # public by its own package's choice: nothing to hold it to
            for label, headers in credentials.items():
                request = HTTPRequest(
                    f"http://localhost:{port}{path}",
                    method=method.upper(),
                    headers=headers,
                    body=b"{}" if method in ("post", "put", "patch") else None,
                    follow_redirects=False,
                    allow_nonstandard_methods=True,
                )
                response = await client.fetch(request, raise_error=False)
                sent += 1
                if reason is not None:
                    if response.code >= 300 or response.body:
                        problems.append(f"{method.upper()} {path} ({label}): public but sent data")
                    continue
                problem = _refused(route, method, response.code, response.headers, response.body)
                if problem:
                    problems.append(f"{method.upper()} {path} ({label}): {problem}")
    return sent, problems


@pytest.mark.parametrize("label", list(WRONG_CREDENTIALS))
async def test_every_websocket_refuses_the_upgrade(
    jp_serverapp: Any, http_server_client: Any, jp_http_port: int, label: str
) -> None:
    # Given: every websocket route of the server, the platform's and Jupyter's
    sockets = [r for r in registered_routes(jp_serverapp.web_app) if r.is_websocket]
    names = {r.handler.__name__ for r in sockets}
    # the platform's live events, the kernels' channels (which the platform wraps to note
    # who runs each cell) and the co-editing rooms
    assert {"EventsHandler", "KernelWebsocketHandler", "YDocWebSocketHandler"} <= names
    for route in sockets:
        # When: it is opened with no or wrong credentials
        problem = await _websocket_problem(route, jp_http_port, WRONG_CREDENTIALS[label])
        # Then: the upgrade is refused
        assert problem is None, (route.pattern, problem)


async def _websocket_problem(route: Route, port: int, headers: dict[str, str]) -> str | None:
    """What is wrong with the answer to opening ``route``'s websocket, if anything: the
    upgrade must be refused (jupyter-collaboration's rooms send the caller to the login
    page, as jupyter-server does for pages; the platform's own socket says 403)."""
    url = f"ws://localhost:{port}{route.path({'kernel_id': KERNEL_ID, 'room': 'json:notebook:0'})}"
    try:
        connection = await websocket_connect(HTTPRequest(url, headers=headers))
    except HTTPClientError as error:
        if error.code in (401, 403):
            return None
        location = error.response.headers.get("Location", "") if error.response else ""
        if error.code == 302 and not route.module.startswith(OURS) and "/login" in location:
            return None
        return f"answered {error.code}"
    connection.close()
    return "the upgrade was accepted"


def _known(route: Route) -> bool:
    return route.module.startswith((OURS, *KNOWN_PACKAGES)) or route.module == "tornado.web"


# -- a deployment's own port: the scoring server and its API keys -------------------------


@pytest.fixture(scope="module")
def scoring_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScoringServer]:
    with start_scoring_server(tmp_path_factory.mktemp("scoring"), with_keys=True) as server:
        yield server


def test_scoring_server_refuses_callers_without_a_valid_key(
    scoring_server: ScoringServer,
) -> None:
    # Given: every route the scoring server routes, each public one with its reason
    routes = sorted(serving_app.GET_ROUTES | {"/invocations"})
    assert set(serving_app.OPEN_ROUTES) == set(SCORING_PUBLIC), "a public route without reason"
    key = scoring_server.key
    assert key is not None
    wrong = {
        "none": {},
        "wrong key": {"Authorization": "Bearer nope." + "x" * 43},
        "right key, wrong scheme": {"Authorization": f"token {key}"},
        "key id only": {"Authorization": f"Bearer {key.split('.')[0]}"},
        "key id, wrong secret": {"Authorization": f"Bearer {key.split('.')[0]}.wrong"},
    }
    for path in routes:
        method = "POST" if path == "/invocations" else "GET"
        for label, headers in wrong.items():
            # When: it is called with no or a wrong key
            response = requests.request(
                method,
                scoring_server.url + path,
                headers={"Content-Type": "application/json", **headers},
                data=json.dumps({"inputs": [[0.0] * 3]}) if method == "POST" else None,
                timeout=30,
            )
            # Then: 401 JSON, except for the public probes
            if path in SCORING_PUBLIC:
                assert response.status_code == 200, (path, label)
                assert response.json() == {"status": "ok"}
            else:
                assert response.status_code == 401, (path, label, response.text)
                assert response.json()["error_code"] == "UNAUTHENTICATED"
    # and the right key is let in (the refusals above are about the key, nothing else)
    for path in sorted(serving_app.GET_ROUTES):
        good = requests.get(
            scoring_server.url + path, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        assert good.status_code == 200, path
    # and nothing else is routed there
    other = requests.get(scoring_server.url + "/admin", timeout=30)
    assert other.status_code == 404
