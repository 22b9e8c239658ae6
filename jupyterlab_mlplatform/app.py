"""The Jupyter server extension: configuration, wiring and lifecycle.

Configure it like any Jupyter app, e.g. in ``jupyter_server_config.py``::

    c.MLPlatformApp.tracking_uri = "postgresql://user@db/mlplatform"
    c.MLPlatformApp.artifact_root = "s3://bucket/mlplatform"
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Float, Int, Type, Unicode, default, observe
from traitlets.config.loader import DeferredConfig

from .autolog.server import handlers as autolog_handlers
from .autolog.server.switches import AutologSwitches
from .collab import handlers as collab_handlers
from .collab.activity import ActivityFeed
from .collab.attribution import CellAttribution
from .collab.extension import CollabExtension
from .deploy import handlers as deploy_handlers
from .deploy.container import handlers as container_handlers
from .deploy.manager import DeploymentManager
from .kernels.access import KernelCredentials
from .kernels.authors import ExecutionAuthors
from .kernels.connection import identifying_connection_class
from .kernels.names import TOKEN_VARIABLE, URL_VARIABLE
from .kernels.provisioner import PROVISIONER_NAME, KernelLaunch, set_kernel_launch
from .mlflow_api import handlers as mlflow_api_handlers
from .platform_openapi import handlers as openapi_handlers
from .private_files import make_private_dir
from .tracking import handlers as tracking_handlers
from .tracking.artifacts import ArtifactRepository
from .tracking.events import EventBus
from .tracking.service import TrackingService
from .tracking.store import SqlTrackingStore, TrackingStore

DEPRECATED_DEPLOY_TRAITS = {
    f"deploy_{name}": name
    for name in (
        "health_interval",
        "health_timeout",
        "start_timeout",
        "stop_grace",
        "max_restarts",
        "backoff_max",
        "queue_limit",
        "queue_timeout",
        "forkserver",
        "host",
        "public_host",
    )
}
"""``MLPlatformApp.deploy_<name>`` (deprecated) -> ``DeploymentManager.<name>``."""
LOOPBACK_FOR_WILDCARD = {"", "0.0.0.0", "*", "::", "[::]"}
KERNEL_ACTIONS_EVENT = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
"""jupyter_server's event for kernel starts, restarts and shutdowns."""


class MLPlatformApp(ExtensionApp):
    name = "jupyterlab_mlplatform"
    description = "Team ML platform inside JupyterLab"
    load_other_extensions = True

    data_dir = Unicode(
        config=True,
        help="Folder for the default SQLite database and artifacts "
        "(default: <jupyter data dir>/mlplatform).  Created private to the server's user: "
        "folders 0700 and files 0600 inside it, whatever the umask.",
    )

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return os.path.join(jupyter_data_dir(), "mlplatform")

    tracking_uri = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the tracking database, e.g. postgresql://user@host/db. "
        "Default: an SQLite file tracking.db in data_dir.",
    )
    artifact_root = Unicode(
        "",
        config=True,
        help="Folder or fsspec URL (s3://..., gs://...) under which run artifacts are stored. "
        "Default: the artifacts folder in data_dir.",
    )
    artifact_storage_options = Dict(
        config=True, help="Keyword arguments for the fsspec filesystem of artifact_root."
    )
    tracking_store_class = Type(
        default_value=SqlTrackingStore,
        klass=TrackingStore,
        config=True,
        help="The tracking store implementation.",
    )
    max_artifact_size = Int(
        5 * 1024**3, config=True, help="Largest artifact upload, in bytes (default 5 GiB)."
    )
    max_json_body = Int(
        64 * 1024**2, config=True, help="Largest JSON request body, in bytes (default 64 MiB)."
    )
    max_batch_metrics = Int(1_000_000, config=True, help="Most metric points in one log batch.")
    events_coalesce_interval = Float(
        0.25,
        config=True,
        help="Seconds over which metric appends are merged into one live event per run.",
    )
    store_read_threads = Int(4, config=True, help="Threads serving database reads.")
    store_optimize_interval = Float(
        60.0,
        config=True,
        help="Seconds between refreshes of the database's query statistics (0: never).",
    )
    kernel_env = Bool(
        True,
        config=True,
        help="Give kernels started by this server MLPLATFORM_URL and MLPLATFORM_TOKEN.",
    )
    kernel_token = Unicode(
        "",
        config=True,
        help="A server-wide token for the tracking API, for scripts and kernels this server "
        "did not launch; they act as the server's owner (default: random per server start). "
        "Kernels the server launches get tokens of their own.",
    )
    kernel_mlflow_env = Bool(
        True,
        config=True,
        help="Give kernels MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN for the MLflow-"
        "compatible API, unless the server itself was started with an MLFLOW_TRACKING_URI.",
    )
    autolog = Bool(
        True,
        config=True,
        help="Track training in notebooks automatically: load the autolog IPython extension "
        "into every Python kernel the server starts.  False switches it off for everyone.",
    )
    deployment_manager_class = Type(
        default_value=DeploymentManager,
        klass=DeploymentManager,
        config=True,
        help="The deployment manager implementation; configure it as c.DeploymentManager "
        "(health_interval, start_timeout, host, ...).",
    )
    # Deprecated: the deployment manager's own traits (c.DeploymentManager.<name>) replace these.
    deploy_health_interval = Float(
        5.0, config=True, help="Deprecated: use DeploymentManager.health_interval."
    )
    deploy_health_timeout = Float(
        3.0, config=True, help="Deprecated: use DeploymentManager.health_timeout."
    )
    deploy_start_timeout = Float(
        120.0, config=True, help="Deprecated: use DeploymentManager.start_timeout."
    )
    deploy_stop_grace = Float(
        10.0, config=True, help="Deprecated: use DeploymentManager.stop_grace."
    )
    deploy_max_restarts = Int(
        5, config=True, help="Deprecated: use DeploymentManager.max_restarts."
    )
    deploy_backoff_max = Float(
        60.0, config=True, help="Deprecated: use DeploymentManager.backoff_max."
    )
    deploy_queue_limit = Int(
        256, config=True, help="Deprecated: use DeploymentManager.queue_limit."
    )
    deploy_queue_timeout = Float(
        30.0, config=True, help="Deprecated: use DeploymentManager.queue_timeout."
    )
    deploy_forkserver = Bool(
        True, config=True, help="Deprecated: use DeploymentManager.forkserver."
    )
    deploy_host = Unicode("127.0.0.1", config=True, help="Deprecated: use DeploymentManager.host.")
    deploy_public_host = Unicode(
        "", config=True, help="Deprecated: use DeploymentManager.public_host."
    )

    @observe(*DEPRECATED_DEPLOY_TRAITS)
    def _forward_deprecated_deploy_trait(self, change: Any) -> None:
        """Pass a deprecated ``deploy_*`` value on to the DeploymentManager's config, with a
        warning (as jupyter_server's ServerApp does for its moved traits); a value set
        there too wins."""
        new_name = DEPRECATED_DEPLOY_TRAITS[change.name]
        section = self.config["DeploymentManager"]
        if new_name not in section:
            self.log.warning(
                "MLPlatformApp.%s is deprecated: use DeploymentManager.%s.", change.name, new_name
            )
            section[new_name] = change.new
        elif _config_value(section[new_name], new_name) != change.new:
            self.log.warning(
                "Ignoring the deprecated MLPlatformApp.%s: DeploymentManager.%s is set too.",
                change.name,
                new_name,
            )

    attribution_key = Unicode(
        "",
        config=True,
        help="Secret that signs the records of who ran each cell written into shared "
        "notebooks; records that do not verify are removed.  Default: a random key kept in "
        "<data_dir>/collaboration/attribution.key.  Give servers that share notebooks "
        "(JupyterHub users on one file system) the same key so they keep each other's "
        "records.",
    )
    attribution_saved = Bool(
        True,
        config=True,
        help="Save who ran each cell (metadata.mlplatform.execution) in the notebook file. "
        "False keeps it in the live shared notebook only: co-editors see it, the .ipynb "
        "does not get it.",
    )
    activity_limit = Int(
        2000,
        config=True,
        help="Items the activity feed keeps (executions, deployment changes), in memory and "
        "in <data_dir>/collaboration/activity.jsonl.",
    )

    tracking: TrackingService
    deployments: DeploymentManager
    activity: ActivityFeed
    attribution: CellAttribution | None = None
    kernel_credentials: KernelCredentials
    execution_authors: ExecutionAuthors
    autolog_switches: AutologSwitches
    collab: CollabExtension
    _default_provisioner: str | None = None
    _optimizer: asyncio.Task[None] | None = None

    def _link_jupyter_server_extension(self, serverapp: Any) -> None:
        super()._link_jupyter_server_extension(serverapp)
        # jupyter-collaboration reads its settings when it loads, after every extension linked.
        self.collab = CollabExtension(
            serverapp, Path(self.data_dir).expanduser() / "collaboration", self.log
        )
        self.collab.link()

    def initialize_settings(self) -> None:
        data_dir = make_private_dir(Path(self.data_dir).expanduser())
        if data_dir.stat().st_mode & 0o077:
            self.log.warning(
                "Other users can open the ML platform's data dir %s; `chmod 700` it.", data_dir
            )
        uri = self.tracking_uri or f"sqlite:///{data_dir / 'tracking.db'}"
        artifact_root = self.artifact_root or str(data_dir / "artifacts")
        store = self.tracking_store_class(uri, artifact_root, parent=self)
        artifacts = ArtifactRepository(self.max_artifact_size, self.artifact_storage_options)
        self.tracking = TrackingService(
            store,
            artifacts,
            EventBus(self.events_coalesce_interval),
            read_threads=self.store_read_threads,
        )
        self.kernel_credentials = KernelCredentials(self.kernel_token or None)
        self.execution_authors = ExecutionAuthors()
        self.activity = self.collab.activity_feed(self.tracking.events.publish, self.activity_limit)
        self.attribution = self.collab.attribution(
            self.attribution_key,
            self.attribution_saved,
            self.activity,
            self.execution_authors,
            self.tracking.get_run,
        )
        self.autolog_switches = AutologSwitches(self.autolog, self.serverapp, self.log)
        self.log.info("ML platform tracking store: %s", _redact(uri))
        assert self.serverapp is not None
        self.deployments = self.deployment_manager_class(
            data_dir, self.tracking, self.serverapp.base_url, parent=self, log=self.log
        )
        self._export_kernel_env()
        self._identify_execute_requests()
        self._provision_kernels()
        self.collab.load()

    def _identify_execute_requests(self) -> None:
        """Note who sends each execute request (runs are attributed to that person)."""
        from jupyter_server.services.kernels.connection.channels import (
            ZMQChannelsWebsocketConnection,
        )

        # self.settings holds the web app's settings here, and is copied back into them.
        settings = self.settings
        base = settings.get("kernel_websocket_connection_class") or ZMQChannelsWebsocketConnection
        settings["kernel_websocket_connection_class"] = identifying_connection_class(
            base, self.execution_authors, self.kernel_credentials.user
        )
        # Without this, the records of every kernel the server ever ran would stay.
        assert self.serverapp is not None
        if self.serverapp.event_logger is not None:
            self.serverapp.event_logger.add_listener(
                schema_id=KERNEL_ACTIONS_EVENT, listener=self._on_kernel_action
            )

    async def _on_kernel_action(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        """jupyter_events calls listeners with these names as keywords; what a listener
        raises fails the kernel action itself, so this only reads the event."""
        if data.get("action") == "shutdown" and data.get("status") == "success":
            kernel_id = data.get("kernel_id")
            if isinstance(kernel_id, str):
                self.execution_authors.forget(kernel_id)

    def _provision_kernels(self) -> None:
        """Launch kernels through our provisioner, unless another default is configured."""
        from jupyter_client.provisioning.factory import KernelProvisionerFactory

        assert self.serverapp is not None
        factory = KernelProvisionerFactory.instance(parent=self.serverapp.kernel_manager)
        if factory.default_provisioner_name == "local-provisioner":
            self._default_provisioner = factory.default_provisioner_name
            factory.default_provisioner_name = PROVISIONER_NAME
        elif factory.default_provisioner_name != PROVISIONER_NAME:
            self.log.warning(
                "Kernels start with the %r provisioner: they get the server-wide tracking "
                "token and no automatic tracking.",
                factory.default_provisioner_name,
            )
        set_kernel_launch(
            KernelLaunch(
                self.kernel_credentials,
                lambda: self.kernel_url(self.serverapp),
                env=self.kernel_env,
                mlflow_env=self.kernel_mlflow_env,
                autolog=self.autolog,
            )
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend(tracking_handlers.default_handlers)
        self.handlers.extend(autolog_handlers.default_handlers)
        self.handlers.extend(deploy_handlers.default_handlers)
        self.handlers.extend(container_handlers.default_handlers)
        self.handlers.extend(mlflow_api_handlers.default_handlers)
        self.handlers.extend(collab_handlers.default_handlers)
        self.handlers.extend(openapi_handlers.default_handlers)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # The port is final once the server listens (port_retries may have moved it).
        self._export_kernel_env()
        if self.store_optimize_interval > 0:
            self._optimizer = asyncio.create_task(self._optimize_periodically())
        self.deployments.restore()

    async def _optimize_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.store_optimize_interval)
            try:
                await self.tracking.optimize()
            except Exception:
                self.log.warning(
                    "Refreshing the tracking database statistics failed", exc_info=True
                )

    def _export_kernel_env(self) -> None:
        """Put the API's address and token where every kernel the server starts inherits it."""
        if self.kernel_env:
            os.environ[URL_VARIABLE] = self.kernel_url(self.serverapp)
            os.environ[TOKEN_VARIABLE] = self.kernel_credentials.token

    def kernel_url(self, serverapp: Any) -> str:
        """The address a kernel on this machine uses to reach the server."""
        host = serverapp.ip
        if host in LOOPBACK_FOR_WILDCARD or host == "localhost":
            host = "127.0.0.1"
        elif ":" in host and not host.startswith("["):
            host = f"[{host}]"
        scheme = "https" if serverapp.certfile else "http"
        return f"{scheme}://{host}:{serverapp.port}{serverapp.base_url}"

    async def stop_extension(self) -> None:
        set_kernel_launch(None)
        if self._default_provisioner is not None:
            from jupyter_client.provisioning.factory import KernelProvisionerFactory

            factory = KernelProvisionerFactory.instance()
            factory.default_provisioner_name = self._default_provisioner
        if self._optimizer is not None:
            self._optimizer.cancel()
        if hasattr(self, "collab"):
            await self.collab.stop()
        if hasattr(self, "deployments"):
            await self.deployments.close()
        if hasattr(self, "tracking"):
            await self.tracking.close()


def _config_value(value: Any, name: str) -> Any:
    """A DeploymentManager config value as its trait reads it (one from the command line is
    still a string)."""
    if isinstance(value, DeferredConfig):
        return value.get_value(DeploymentManager.class_traits()[name])
    return value


def _redact(uri: str) -> str:
    """The database URL without its password, for logs."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(uri).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
