"""REST handlers of deployments, under ``{base_url}mlplatform/api/``.

Routes (see ``openapi.json`` for the bodies):

- ``GET|POST deployments``, ``GET|PATCH|DELETE deployments/{name}`` (PATCH: stop, start,
  restart, rollback)
- ``POST deployments/{name}/versions``: redeploy a newer model under the same name
- ``GET deployments/{name}/logs?tail=N``, ``GET deployments/{name}/stats``,
  ``GET deployments/{name}/metadata``
- ``GET|POST deployments/{name}/keys``, ``DELETE deployments/{name}/keys/{key_id}``
- ``POST deployments/{name}/invocations``: proxied to the deployment's scoring server

The scoring server is reached with the manager's own API key; the caller's credentials
never leave the Jupyter server.  While a deployment starts or a crashed scoring server is
replaced, invocations wait for it (a bounded queue, a bounded time) instead of a 503.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse

from ..base import MLPlatformAPIHandler
from ..collab.models import ActivityDeployment, CollabUser, DeploymentAction
from ..constants import API_ROOT
from ..errors import DeploymentUnavailable
from .manager.models import (
    ApiKeyCreate,
    ApiKeyList,
    Deployment,
    DeploymentCreate,
    DeploymentList,
    DeploymentLogs,
    DeploymentStats,
    DeploymentStatus,
    DeploymentUpdate,
    DeploymentVersionCreate,
)
from .manager.stats import Traffic

if TYPE_CHECKING:
    from .manager import DeploymentManager

API = API_ROOT
NAME = r"(?P<name>[^/]+)"
KEY_ID = r"(?P<key_id>[^/]+)"
PROXY_TIMEOUT = 300.0
QUERY_TIMEOUT = 10.0


class DeploymentBaseHandler(MLPlatformAPIHandler):
    @property
    def deployments(self) -> DeploymentManager:
        return self.mlplatform.deployments

    async def scoring_server(
        self,
        name: str,
        path: str,
        method: str = "GET",
        body: bytes | None = None,
        content_type: str | None = None,
        timeout: float = QUERY_TIMEOUT,
        wait: bool = False,
    ) -> HTTPResponse:
        """A request to the deployment's scoring server, with the manager's key; 503 when
        it does not answer.  With ``wait``, a deployment starting or being restarted is
        waited for (bounded: :meth:`DeploymentManager.serving_endpoint`)."""
        if wait:
            host, port, key = await self.deployments.serving_endpoint(name)
        else:
            host, port, key = self.deployments.endpoint(name)
        headers = {"Authorization": f"Bearer {key}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        netloc = f"[{host}]" if ":" in host else host
        request = HTTPRequest(
            f"http://{netloc}:{port}{path}",
            method=method,
            body=body,
            headers=headers,
            request_timeout=timeout,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except (OSError, HTTPClientError) as e:
            raise DeploymentUnavailable("The deployment's scoring server did not answer.") from e
        if response.code == 599:
            raise DeploymentUnavailable("The deployment's scoring server did not answer.")
        return response

    def note_activity(self, action: DeploymentAction, deployment: Deployment) -> None:
        """Put what the caller did to a deployment in the activity feed (unless it failed)."""
        if deployment.status == DeploymentStatus.FAILED:
            return
        self.mlplatform.activity.add(
            kind="deployment",
            user=CollabUser.from_identity(self.current_user),
            deployment=ActivityDeployment(
                name=deployment.name,
                action=action,
                version=deployment.version,
                run_id=deployment.run_id,
            ),
        )


class DeploymentsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List deployments (and warm up for one: this is the Deploy panel reading)."""
        self.deployments.warm_up()
        self.finish_model(DeploymentList(deployments=self.deployments.list_deployments()))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Create a deployment; answers once it serves or failed."""
        spec = self.get_json_model(DeploymentCreate)
        deployment = await self.deployments.create(spec, self.user_name)
        self.note_activity("created", deployment)
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
        """Stop, start, restart (optionally with another number of workers; a serving
        deployment is switched without refusing requests) or roll back to a version."""
        change = self.get_json_model(DeploymentUpdate)
        action: DeploymentAction
        if change.action == "stop":
            deployment = await self.deployments.stop(name)
            action = "stopped"
        elif change.action == "rollback":
            deployment = await self.deployments.rollback(name, change.version)
            action = "rolled_back"
        else:
            serving = self.deployments.get(name).status not in (
                DeploymentStatus.STOPPED,
                DeploymentStatus.FAILED,
            )
            deployment = await self.deployments.start(name, change.workers)
            action = "restarted" if serving else "started"
        self.note_activity(action, deployment)
        self.finish_model(deployment)

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        """Stop a deployment and remove it with its files."""
        deployment = await self.deployments.delete(name)
        self.note_activity("deleted", deployment)
        self.finish_model(deployment)


class DeploymentVersionsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Redeploy: serve a newer model under this name (422 if it cannot start; the
        version served before keeps serving)."""
        spec = self.get_json_model(DeploymentVersionCreate)
        deployment = await self.deployments.add_version(name, spec, self.user_name)
        self.note_activity("version_added", deployment)
        self.finish_model(deployment)


class DeploymentLogsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The last lines of the scoring server's output; ``?tail=N`` (default 200)."""
        tail = self.get_int_argument("tail", 0, 100_000)
        lines = self.deployments.logs(name, 200 if tail is None else tail)
        self.finish_model(DeploymentLogs(name=name, lines=lines))


class DeploymentStatsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """Requests, errors and latency of the process serving now, and its uptime."""
        response = await self.scoring_server(name, "/metrics")
        if response.code != HTTPStatus.OK:
            raise DeploymentUnavailable("The deployment's scoring server gave no metrics.")
        traffic = Traffic(response.body.decode("utf-8", errors="replace"))
        stats = DeploymentStats(
            name=name,
            requests=traffic.requests,
            errors=traffic.errors,
            latency_mean_ms=traffic.mean_ms(),
            latency_p50_ms=traffic.quantile_ms(0.5),
            latency_p99_ms=traffic.quantile_ms(0.99),
            uptime_seconds=self.deployments.uptime(name),
        )
        self.finish_model(stats)


class DeploymentMetadataHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The scoring server's ``/metadata``: signature, input example, ids, versions."""
        response = await self.scoring_server(name, "/metadata")
        if response.code != HTTPStatus.OK:
            raise DeploymentUnavailable("The deployment's scoring server gave no metadata.")
        self.set_header("Content-Type", "application/json")
        self.finish(response.body)


class DeploymentKeysHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The deployment's API keys (their prefixes only)."""
        self.finish_model(ApiKeyList(keys=self.deployments.list_keys(name)))

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """A new API key for callers outside Jupyter; the whole key is in this answer only."""
        spec = self.get_json_model(ApiKeyCreate)
        created = await self.deployments.create_key(name, spec.name, self.user_name)
        self.finish_model(created, HTTPStatus.CREATED)


class DeploymentKeyHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def delete(self, name: str, key_id: str) -> None:
        """Revoke a key: refused from the scoring server's next request on."""
        self.finish_model(await self.deployments.revoke_key(name, key_id))


class DeploymentInvocationsHandler(DeploymentBaseHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Score: the body goes to the deployment's ``/invocations``, its answer comes back."""
        response = await self.scoring_server(
            name,
            "/invocations",
            method="POST",
            body=self.request.body,
            content_type=self.request.headers.get("Content-Type", "application/json"),
            timeout=PROXY_TIMEOUT,
            wait=True,
        )
        self.set_status(response.code)
        content_type = response.headers.get("Content-Type")
        if content_type:
            self.set_header("Content-Type", content_type)
        self.finish(response.body)


default_handlers: list[tuple[str, type[Any]]] = [
    (rf"{API}/deployments", DeploymentsHandler),
    (rf"{API}/deployments/{NAME}", DeploymentHandler),
    (rf"{API}/deployments/{NAME}/versions", DeploymentVersionsHandler),
    (rf"{API}/deployments/{NAME}/logs", DeploymentLogsHandler),
    (rf"{API}/deployments/{NAME}/stats", DeploymentStatsHandler),
    (rf"{API}/deployments/{NAME}/metadata", DeploymentMetadataHandler),
    (rf"{API}/deployments/{NAME}/keys", DeploymentKeysHandler),
    (rf"{API}/deployments/{NAME}/keys/{KEY_ID}", DeploymentKeyHandler),
    (rf"{API}/deployments/{NAME}/invocations", DeploymentInvocationsHandler),
]
