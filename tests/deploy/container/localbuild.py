"""Building and running a context without a Docker engine: buildah and podman (Debian
packages), vfs storage in a folder of our own, chroot isolation, runc.

Used by the container build test and ``bench/container_bench.py``; not by the server, so it
lives with the tests and is not in the wheel.
Without a registry, ``FROM python:3.11-slim`` resolves to a local stand-in: a Debian 12
minbase rootfs made with debootstrap, with Debian's Python 3.11 and venv (the interpreter
``python:3.11-slim`` has too), imported under that name.  The rootfs tarball is cached in
``~/.cache/jupyterlab-mlplatform/container-base/`` (``MLP_CONTAINER_CACHE`` overrides),
keyed by :data:`BASE_KEY`; a lock file makes two runs that race create it once.

Environment quirks (see ``RECIPE.md`` section 8): crun cannot set rlimits or handle hybrid
cgroups here, so containers run with ``--runtime runc`` and explicit ``--ulimit``s; the
OCI image format drops ``HEALTHCHECK``, so images are built with ``--format docker``;
``RUN pip install`` reaches PyPI through a proxy whose CA is only in the host's bundle,
so builds may mount ``/etc/ssl/certs`` (a build flag, not part of the Dockerfile).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOOLS = ("buildah", "podman", "runc", "debootstrap")
BASE_KEY = "bookworm-minbase-python3.11-v1"
"""Change it when the stand-in's recipe changes: a new tarball is made."""
BASE_IMAGE = "docker.io/library/python:3.11-slim"
SUITE = "bookworm"
MIRROR = os.environ.get("MLP_DEBIAN_MIRROR", "http://deb.debian.org/debian")
HOST_CA_MOUNT = ("-v", "/etc/ssl/certs:/etc/ssl/certs:ro")
RUN_FLAGS = ("--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ContainerToolsUnavailable(RuntimeError):
    """buildah, podman, runc or debootstrap is missing or cannot run here (the message says
    which and why)."""


class CommandFailed(RuntimeError):
    """A buildah or podman command exited non-zero (the message has its output's tail)."""


def cache_dir() -> Path:
    configured = os.environ.get("MLP_CONTAINER_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "jupyterlab-mlplatform" / "container-base"


def _run(
    args: Sequence[str], timeout: float, input_file: Any = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            list(args),
            stdin=input_file if input_file is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise CommandFailed(f"{args[0]} {args[1] if len(args) > 1 else ''} timed out") from e
    if check and done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-3000:]
        raise CommandFailed(f"{' '.join(args[:3])} ... exited {done.returncode}:\n{tail}")
    return done


def probe_tools(scratch: Path) -> None:
    """Raise :class:`ContainerToolsUnavailable` saying why unless all four tools are installed,
    we are root (debootstrap and chroot isolation need it) and buildah can build here."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise ContainerToolsUnavailable(
            f"{', '.join(missing)} not installed (apt-get install buildah podman runc "
            "debootstrap; `make system-deps` does it)"
        )
    if os.geteuid() != 0:
        raise ContainerToolsUnavailable("not root: debootstrap and chroot builds need root")
    for tool in TOOLS:
        flag = "--version"
        try:
            _run([tool, flag], timeout=30)
        except (CommandFailed, OSError) as e:
            raise ContainerToolsUnavailable(f"`{tool} {flag}` does not run: {e}") from e
    engine = Engine(scratch)
    context = scratch / "probe-context"
    context.mkdir(parents=True, exist_ok=True)
    (context / "probe.txt").write_text("probe\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY probe.txt /probe.txt\n")
    try:
        engine.build(context, "localhost/mlplatform-probe:1", ca_mount=False)
        engine.remove_image("localhost/mlplatform-probe:1")
    except (CommandFailed, OSError) as e:
        raise ContainerToolsUnavailable(f"buildah cannot build here: {e}") from e
    finally:
        engine.destroy()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def base_rootfs(cache: Path | None = None) -> Path:
    """The stand-in base's rootfs tarball, made once (about 40 s of debootstrap plus 10 s
    of apt) and then reused.  ContainerToolsUnavailable when Debian's mirror is out of
    reach."""
    folder = cache or cache_dir()
    tarball = folder / f"{BASE_KEY}.tar"
    if tarball.is_file():
        return tarball
    with _locked(folder / f"{BASE_KEY}.lock"):
        if tarball.is_file():  # made by the run we waited for
            return tarball
        work = Path(tempfile.mkdtemp(prefix=f"{BASE_KEY}-", dir=folder))
        try:
            rootfs = work / "rootfs"
            try:
                _run(["debootstrap", "--variant=minbase", SUITE, str(rootfs), MIRROR], 900)
            except CommandFailed as e:
                raise ContainerToolsUnavailable(
                    f"debootstrap {SUITE} from {MIRROR} failed: {e}"
                ) from e
            script = (
                "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                "--no-install-recommends python3 python3-venv ca-certificates "
                "&& ln -sf /usr/bin/python3 /usr/local/bin/python "
                "&& apt-get clean && rm -rf /var/lib/apt/lists/*"
            )
            _run(["chroot", str(rootfs), "/bin/sh", "-c", script], 900)
            partial = work / "rootfs.tar"
            _run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], 600)
            os.replace(partial, tarball)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return tarball


@dataclass
class Engine:
    """buildah and podman on a private vfs storage under ``root`` (removed by
    :meth:`destroy`)."""

    root: Path
    runroot: Path = field(init=False)
    """Short on purpose: podman refuses a run root longer than 50 characters."""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.runroot = Path(tempfile.mkdtemp(prefix="mlp-run-", dir="/tmp"))

    @property
    def storage(self) -> list[str]:
        return [
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.runroot),
            "--storage-driver",
            "vfs",
        ]

    def podman(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        return _run(["podman", *self.storage, *args], timeout, check=check).stdout

    def import_base(self, tarball: Path, tag: str = BASE_IMAGE) -> None:
        """Import the rootfs tarball as ``tag`` (python:3.11-slim's PATH and CMD)."""
        with tarball.open("rb") as source:
            _run(
                [
                    "podman",
                    *self.storage,
                    "import",
                    "--change",
                    f"ENV=PATH={PATH}",
                    "--change",
                    'CMD=["python3"]',
                    "-",
                    tag,
                ],
                600,
                input_file=source,
            )

    def build(self, context: Path, tag: str, ca_mount: bool = True, timeout: float = 1800) -> str:
        """``buildah bud`` (chroot isolation, docker format, no pulls); the build output."""
        args = [
            "buildah",
            *self.storage,
            "bud",
            "--isolation",
            "chroot",
            "--format",
            "docker",
            "--pull=never",
            "--layers=false",
            *(HOST_CA_MOUNT if ca_mount else ()),
            "-t",
            tag,
            str(context),
        ]
        done = _run(args, timeout)
        return done.stdout + done.stderr

    def inspect_image(self, tag: str) -> dict[str, Any]:
        data = json.loads(self.podman("image", "inspect", tag))
        return dict(data[0])

    def image_size(self, tag: str) -> int:
        """The image's unpacked size in bytes, base layers included."""
        return int(self.inspect_image(tag)["Size"])

    def start(
        self,
        image: str,
        name: str,
        host_port: int,
        env: dict[str, str] | None = None,
        volumes: dict[str, str] | None = None,
        read_only: bool = False,
    ) -> None:
        """``podman run -d`` with runc, publishing 8080 on ``127.0.0.1:host_port``;
        ``volumes`` are read-only bind mounts (host folder -> container folder);
        ``read_only``: a read-only root file system with a tmpfs on /tmp, as ``k8s.yaml``
        runs it."""
        flags = [f"--env={key}={value}" for key, value in (env or {}).items()]
        flags += [f"--volume={host}:{inside}:ro" for host, inside in (volumes or {}).items()]
        if read_only:
            flags += ["--read-only", "--read-only-tmpfs"]
        self.podman(
            "run",
            "-d",
            "--name",
            name,
            *RUN_FLAGS,
            "-p",
            f"127.0.0.1:{host_port}:8080",
            *flags,
            image,
        )

    def logs(self, name: str) -> str:
        done = _run(["podman", *self.storage, "logs", name], 60, check=False)
        return done.stdout + done.stderr

    def exec(self, name: str, *command: str) -> subprocess.CompletedProcess[str]:
        return _run(["podman", *self.storage, "exec", name, *command], 120, check=False)

    def exec_healthcheck(self, name: str) -> subprocess.CompletedProcess[str]:
        """Run the image's ``HEALTHCHECK`` command once (exit 0: healthy)."""
        return _run(["podman", *self.storage, "healthcheck", "run", name], 120, check=False)

    def remove_container(self, name: str) -> None:
        _run(["podman", *self.storage, "rm", "-f", "-t", "2", name], 120, check=False)

    def remove_image(self, tag: str) -> None:
        _run(["podman", *self.storage, "rmi", "-f", tag], 120, check=False)

    def destroy(self) -> None:
        """Remove every container, image and the storage folder."""
        if (self.root / "storage").exists():
            _run(["podman", *self.storage, "rm", "-a", "-f", "-t", "2"], 120, check=False)
            _run(["podman", *self.storage, "rmi", "-a", "-f"], 120, check=False)
            _run(["buildah", *self.storage, "rm", "--all"], 120, check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.runroot, ignore_errors=True)


def wait_for_health(url: str, timeout: float = 120.0) -> float:
    """Poll ``url`` until it answers 200; the seconds it took (TimeoutError otherwise)."""
    import urllib.error
    import urllib.request

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")
