"""The team set-up, for real: JupyterHub 5, two users, one PostgreSQL store, one S3 bucket.

``TeamHub`` starts, on loopback:

- an S3 server (moto's ``ThreadedMotoServer``) with one bucket, the team's artifact root;
- ``jupyterhub`` in a subprocess, with configurable-http-proxy (found by
  :func:`find_proxy`), the shared-password authenticator, users ``alice`` and ``bob`` and
  ``SimpleLocalProcessSpawner`` (every single-user server runs as this OS user, each in its
  own home folder under the work folder);
- in each single-user server, the platform against the one PostgreSQL database given and
  ``s3://<bucket>/team`` for artifacts (the endpoint is configuration; the credentials reach
  the servers only through their environment, ``Spawner.env_keep``, never a file or a log).

The hub's own database is SQLite in the work folder; the PostgreSQL URL is the tracking
store's.  ``tests/hub/test_team.py`` uses it, and ``make hub`` runs it for people to try
(``python -m tests.hub.team``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
USERS = ("alice", "bob")
BUCKET = "mlp-team"
ARTIFACT_ROOT = f"s3://{BUCKET}/team"
SERVICE = "team-admin"
"""The hub service the test and the launcher drive the hub's REST API with."""


class ProxyUnavailable(RuntimeError):
    """configurable-http-proxy is not installed (``jlpm install`` puts it in node_modules)."""


def find_proxy() -> str:
    """configurable-http-proxy: ``MLP_CHP`` if set, else the project's ``node_modules/.bin``
    (the devDependency), else ``PATH``."""
    candidates = [
        os.environ.get("MLP_CHP", ""),
        str(REPO / "node_modules" / ".bin" / "configurable-http-proxy"),
        shutil.which("configurable-http-proxy") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ProxyUnavailable("configurable-http-proxy not found: run `jlpm install` (or set MLP_CHP)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


class S3Server:
    """moto's S3 server on a free loopback port, with the team's bucket."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.access_key = "mlp-team"
        self.secret_key = secrets.token_hex(20)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> None:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=BUCKET)

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]

    def stop(self) -> None:
        self._server.stop()


class TeamHub:
    """``start()`` writes the configs under ``workdir`` and starts the hub; ``stop()`` ends it.

    ``url`` is the proxy's public URL (the hub at ``hub/``, servers at ``user/<name>/``).
    """

    def __init__(
        self,
        workdir: Path,
        postgres_url: str,
        s3: S3Server,
        *,
        max_artifact_size: int = 64 * 1024**2,
        debug: bool = True,
        port: int | None = None,
    ) -> None:
        self.workdir = workdir
        self.postgres_url = postgres_url
        self.s3 = s3
        self.max_artifact_size = max_artifact_size
        self.debug = debug
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.service_token = secrets.token_hex(32)
        self.user_password = secrets.token_urlsafe(12)
        self.log_path = workdir / "jupyterhub.log"
        self.process: subprocess.Popen[bytes] | None = None

    # set-up

    def singleuser_config(self) -> dict[str, Any]:
        """What every single-user server runs with (no secret in it)."""
        return {
            "ServerApp": {
                "jpserver_extensions": {"jupyterlab_mlplatform": True},
                "allow_unauthenticated_access": False,
                **({"log_level": "DEBUG"} if self.debug else {}),
            },
            "MLPlatformApp": {
                "tracking_uri": self.postgres_url,
                "artifact_root": ARTIFACT_ROOT,
                "artifact_storage_options": {"endpoint_url": self.s3.endpoint},
                "max_artifact_size": self.max_artifact_size,
            },
            "DeploymentManager": {"forkserver": False},
        }

    def hub_config(self, singleuser_config: Path) -> str:
        home = self.workdir / "home"
        args = [f"--config={singleuser_config}"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        settings: list[tuple[str, Any]] = [
            ("JupyterHub.bind_url", self.url),
            ("JupyterHub.hub_bind_url", f"http://127.0.0.1:{free_port()}"),
            ("ConfigurableHTTPProxy.api_url", f"http://127.0.0.1:{free_port()}"),
            ("ConfigurableHTTPProxy.command", [find_proxy()]),
            ("JupyterHub.db_url", f"sqlite:///{self.workdir / 'jupyterhub.sqlite'}"),
            ("JupyterHub.cookie_secret_file", str(self.workdir / "jupyterhub_cookie_secret")),
            ("JupyterHub.pid_file", str(self.workdir / "jupyterhub.pid")),
            ("JupyterHub.cleanup_servers", True),
            ("JupyterHub.authenticator_class", "shared-password"),
            ("Authenticator.allowed_users", set(USERS)),
            ("JupyterHub.spawner_class", "simple"),
            ("SimpleLocalProcessSpawner.home_dir_template", f"{home}/{{username}}"),
            ("Spawner.cmd", [sys.executable, "-m", "jupyterhub.singleuser"]),
            ("Spawner.args", args),
            ("Spawner.start_timeout", 120),
            ("Spawner.http_timeout", 120),
            ("Spawner.default_url", "/lab"),
        ]
        service_token = 'os.environ["MLP_HUB_SERVICE_TOKEN"]'
        lines = [
            "# Written by tests/hub/team.py: the team set-up's hub (see docs/team.md).",
            "import os",
            "c = get_config()  # noqa",
            *(f"c.{name} = {value!r}" for name, value in settings),
            "# Secrets come from the hub's environment, never from this file.",
            'c.SharedPasswordAuthenticator.user_password = os.environ["MLP_HUB_USER_PASSWORD"]',
            "c.Spawner.env_keep.extend(%r)" % ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            f"c.JupyterHub.services = [{{'name': {SERVICE!r}, 'api_token': {service_token}}}]",
            "c.JupyterHub.load_roles = [",
            f"    {{'name': {SERVICE!r}, 'services': [{SERVICE!r}],",
            "     'scopes': ['admin:users', 'admin:servers', 'tokens', 'shares']},",
            "    # users may share their servers with each other (JupyterHub 5 sharing)",
            "    {'name': 'user', 'scopes': ['self', 'shares!user', 'read:users:name']},",
            "]",
        ]
        return "\n".join(lines) + "\n"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env["AWS_ACCESS_KEY_ID"] = self.s3.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.s3.secret_key
        env["MLP_HUB_SERVICE_TOKEN"] = self.service_token
        env["MLP_HUB_USER_PASSWORD"] = self.user_password
        return env

    def start(self, timeout: float = 60) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        singleuser = self.workdir / "singleuser_config.json"
        singleuser.write_text(json.dumps(self.singleuser_config(), indent=1))
        config = self.workdir / "jupyterhub_config.py"
        config.write_text(self.hub_config(singleuser))
        command = [sys.executable, "-m", "jupyterhub", f"--config={config}"]
        if self.debug:
            command.append("--debug")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._answers, f"the hub to start; log: {self.log_path}", timeout)

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited: {self.log()[-3000:]}")
        try:
            return requests.get(self.url + "hub/api/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM to the hub (it stops the single-user servers and the proxy it started)."""
        if self.process is None:
            return
        process, self.process = self.process, None
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    # the hub's REST API, as the admin service

    def hub_api(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            f"{self.url}hub/api/{path}",
            json=body,
            headers={"Authorization": f"token {self.service_token}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def user_token(self, user: str) -> str:
        """A new API token of ``user`` (with the user's own permissions)."""
        return str(self.hub_api("POST", f"users/{user}/tokens", {"note": "team"})["token"])

    def spawn(self, *users: str, timeout: float = 120) -> None:
        """Start the users' servers (at once) and wait until every one is ready."""
        for user in users:
            self.hub_api("POST", f"users/{user}/server")

        def ready() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited: {self.log()[-3000:]}")
            for user in users:
                server = self.hub_api("GET", f"users/{user}")["servers"].get("", {})
                if not server.get("ready"):
                    return False
            return True

        wait_until(ready, f"the servers of {users}; log: {self.log_path}", timeout)

    def server_url(self, user: str) -> str:
        return f"{self.url}user/{user}/"


def main() -> None:  # pragma: no cover - `make hub`
    """Start the team set-up and keep it running until Ctrl-C."""
    import tempfile

    from tests.pg_server import start_postgres

    workdir = Path(tempfile.mkdtemp(prefix="mlp-hub-"))
    postgres_url, stop_postgres = start_postgres(workdir)
    s3 = S3Server()
    s3.start()
    port = int(os.environ.get("MLP_HUB_PORT") or 8000)
    hub = TeamHub(workdir / "hub", postgres_url, s3, debug=False, port=port)
    try:
        hub.start()
        print(
            f"\nJupyterHub: {hub.url}  (users: {', '.join(USERS)}; password: "
            f"{hub.user_password})\nPostgreSQL tracking store: {postgres_url}\n"
            f"S3 artifacts: {ARTIFACT_ROOT} at {s3.endpoint} (credentials in the servers' "
            f"environment only)\nHub log: {hub.log_path}\nCtrl-C stops everything.\n",
            flush=True,
        )
        stop_signals = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # after the hub started
        signal.sigwait(stop_signals)
    finally:
        hub.stop()
        s3.stop()
        stop_postgres()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    main()
