"""REST handlers of deployments, under ``{base_url}mlplatform/api/``.

Routes (see ``openapi.json`` for the bodies):

- ``GET|POST deployments``, ``GET|PATCH|DELETE deployments/{name}``
- ``GET deployments/{name}/logs?tail=N``
- ``POST deployments/{name}/invocations``: proxied to the deployment's scoring server
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..base import MLPlatformAPIHandler
from .manager.manager import DeploymentUnavailable
from .manager.models import DeploymentCreate, DeploymentList, DeploymentLogs, DeploymentUpdate

if TYPE_CHECKING:
    from .manager import DeploymentManager

API = r"mlplatform/api"
NAME = r"(?P<name>[^/]+)"
PROXY_TIMEOUT = 300.0


class DeploymentBaseHandler(MLPlatformAPIHandler):
    @property
    def deployments(self) -> DeploymentManager:
        return self.mlplatform.deployments


class DeploymentsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List deployments."""
        self.finish_model(DeploymentList(deployments=self.deployments.list()))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Create a deployment; answers once it serves or failed."""
        spec = self.get_json_model(DeploymentCreate)
        deployment = await self.deployments.create(spec, self.user_name)
        self.finish_model(deployment, HTTPStatus.CREATED)


class DeploymentHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """One deployment."""
        self.finish_model(self.deployments.get(name))

    @web.authenticated
    @authorized
    async def patch(self, name: str) -> None:
        """Stop, start or restart (optionally with another number of workers)."""
        change = self.get_json_model(DeploymentUpdate)
        if change.action == "stop":
            deployment = await self.deployments.stop(name)
        else:
            deployment = await self.deployments.start(name, change.workers)
        self.finish_model(deployment)

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        """Stop a deployment and remove it with its files."""
        self.finish_model(await self.deployments.delete(name))


class DeploymentLogsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The last lines of the scoring server's output; ``?tail=N`` (default 200)."""
        tail = self.get_int_argument("tail", 0, 100_000)
        lines = self.deployments.logs(name, 200 if tail is None else tail)
        self.finish_model(DeploymentLogs(name=name, lines=lines))


class DeploymentInvocationsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Score: the body goes to the deployment's ``/invocations``, its answer comes back."""
        host, port = self.deployments.endpoint(name)
        headers = {"Content-Type": self.request.headers.get("Content-Type", "application/json")}
        request = HTTPRequest(
            f"http://{host}:{port}/invocations",
            method="POST",
            body=self.request.body,
            headers=headers,
            request_timeout=PROXY_TIMEOUT,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except (OSError, HTTPClientError) as e:
            raise DeploymentUnavailable("The deployment's scoring server did not answer.") from e
        if response.code == 599:
            raise DeploymentUnavailable("The deployment's scoring server did not answer.")
        self.set_status(response.code)
        content_type = response.headers.get("Content-Type")
        if content_type:
            self.set_header("Content-Type", content_type)
        self.finish(response.body)


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API}/deployments", DeploymentsHandler),
    (rf"{API}/deployments/{NAME}", DeploymentHandler),
    (rf"{API}/deployments/{NAME}/logs", DeploymentLogsHandler),
    (rf"{API}/deployments/{NAME}/invocations", DeploymentInvocationsHandler),
]
