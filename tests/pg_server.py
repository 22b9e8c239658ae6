"""A throwaway PostgreSQL server for tests (a plain helper module, not a fixture).

``start_postgres(tmpdir)`` runs ``initdb`` and ``pg_ctl start`` from the newest
``/usr/lib/postgresql/*/bin`` (or ``initdb`` on ``PATH``) on a free local port, and returns
an SQLAlchemy URL (``postgresql+psycopg://``) and a function that stops the server and deletes
its files.  PostgreSQL refuses to run as root: as root the commands run as the ``postgres``
user, in a fresh directory under the system temp dir (the pytest tmpdir is not readable by
that user).  When no binaries exist it raises :class:`PostgresUnavailable`, which a fixture
turns into a skip::

    @pytest.fixture(scope="module")
    def pg_url(tmp_path_factory):
        try:
            url, stop = start_postgres(tmp_path_factory.mktemp("pg"))
        except PostgresUnavailable as exc:
            pytest.skip(str(exc))
        yield url
        stop()
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine

__all__ = ["PostgresUnavailable", "database_engine", "find_postgres_bin", "start_postgres"]


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries (or, as root, no ``postgres`` user) on this machine."""


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def find_postgres_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (the newest version), or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True
    )
    for initdb in candidates:
        folder = Path(initdb).parent
        if (folder / "pg_ctl").exists():
            return folder
    initdb_on_path = shutil.which("initdb")
    if initdb_on_path and (Path(initdb_on_path).parent / "pg_ctl").exists():
        return Path(initdb_on_path).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_postgres(
    tmpdir: str | os.PathLike[str], durable: bool = False
) -> tuple[str, Callable[[], None]]:
    """Start a private PostgreSQL server; return ``(sqlalchemy_url, stop)``.

    The server trusts local connections from user ``postgres`` to database ``postgres`` and
    runs with fsync off (it is for tests only), unless ``durable`` (the bench: PostgreSQL's
    defaults, each commit flushed).  ``stop`` is idempotent.
    """
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        raise PostgresUnavailable("no PostgreSQL server binaries (initdb, pg_ctl) found")
    user: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable(
                "running as root and there is no 'postgres' user to run the server"
            ) from None
        # A short path (the socket path has a length limit) that the postgres user can enter.
        base = Path(tempfile.mkdtemp(prefix="mlp-pg-"))
        os.chown(base, user.pw_uid, user.pw_gid)
    else:
        base = Path(tempfile.mkdtemp(prefix="pg-", dir=os.fspath(tmpdir)))
    data = base / "data"
    log = base / "server.log"

    def run(args: Sequence[str], timeout: float = 120) -> None:
        result = subprocess.run(
            list(args),
            cwd=base,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            # As root: drop to the postgres user (what `su postgres -c` would do, minus a shell).
            user=None if user is None else user.pw_uid,
            group=None if user is None else user.pw_gid,
            extra_groups=None if user is None else [],
        )
        if result.returncode != 0:
            server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{Path(args[0]).name} failed ({result.returncode}):\n{result.stdout}\n"
                f"{result.stderr}\n{server_log}"
            )

    stopped = False

    def stop() -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        try:
            if (data / "postmaster.pid").exists():
                run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(base, ignore_errors=True)

    try:
        run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        for attempt in range(5):
            port = _free_port()
            options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            try:
                run(
                    [
                        str(bin_dir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-o",
                        options,
                        "-l",
                        str(log),
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ]
                )
                break
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(0.2)  # probably lost the port to someone else: try another
    except BaseException:
        stop()
        raise
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


@contextmanager
def database_engine(backend: str, tmpdir: str | os.PathLike[str]) -> Iterator[Engine]:
    """An engine on an empty database: ``backend`` "sqlite" (a file in ``tmpdir``) or
    "postgresql" (:func:`start_postgres`; may raise :class:`PostgresUnavailable`), disposed
    of and stopped on exit."""
    stop = None
    if backend == "sqlite":
        url = f"sqlite:///{Path(tmpdir) / 'runs.db'}"
    else:
        url, stop = start_postgres(tmpdir)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if stop is not None:
            stop()
