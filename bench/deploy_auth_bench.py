"""Deployment port under a key-guessing attack: legitimate req/s with and without attackers.

A real scoring server (``python -m jupyterlab_mlplatform.deploy.serving``, one process,
as a deployment runs) serves a scikit-learn model with a keys file holding the manager's
proxy key and a user key, the way the deployment manager writes it.  A legitimate client
(its own process, ``--connections`` keep-alive connections, the user's valid key) measures
req/s for ``--seconds``, first alone, then while 4 attackers (another process, one
keep-alive connection each) send ``Authorization: Bearer mlplatform-proxy.<random>`` as
fast as the server answers them; the attackers' answered req/s and their status codes are
counted too.  ``--rounds`` pairs (alone, attacked) alternate on each server, the median of
each is reported (the machine's load drifts).

Two keys files, each in the same run on the same server code, unless ``--before REV``
adds the scoring server of an earlier commit (``git archive``) as a third row:

* ``hmac``: what the manager writes now (HMAC-SHA256 hashes, see ``serving/keys.py``);
* ``scrypt``: a keys file from before (scrypt hashes), served by today's code, which
  bounds slow checks per key id;
* ``before`` (with ``--before``): the scrypt file served by the earlier commit's code.

    python bench/deploy_auth_bench.py [--seconds 10] [--rounds 3] [--before 8b8ac01] [--out bench/results/deploy_auth.json]

Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # bench/servers.py: process groups, free ports

COLUMNS = [f"x{i}" for i in range(10)]
BODY = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [[0.1 * i for i in range(10)]]}})
ATTACKERS = 4
PROXY_KEY_ID = "mlplatform-proxy"


# -- the clients (run as `--client legit|attack`, each in its own process) ---------------


async def _connection(port: int, keys: Any, until: float, codes: dict[int, int]) -> None:
    """One keep-alive connection posting until ``until``; reconnects when the server
    closes it.  ``keys()`` gives the key for each request."""
    reader = writer = None
    while time.perf_counter() < until:
        if writer is None:
            reader, writer = await asyncio.open_connection(servers.HOST, port)
        request = (
            f"POST /invocations HTTP/1.1\r\nHost: {servers.HOST}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer {keys()}\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n{BODY}"
        ).encode()
        try:
            assert reader is not None
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            writer = None
            continue
        code = int(head.split(b" ", 2)[1])
        codes[code] = codes.get(code, 0) + 1
        if re.search(rb"(?i)connection:\s*close", head):
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def client(port: int, kind: str, key: str, connections: int, seconds: float) -> None:
    """Print ``{"rps": ..., "codes": {...}}`` after ``seconds`` of load."""
    codes: dict[int, int] = {}
    if kind == "legit":

        def keys() -> str:
            return key
    else:

        def keys() -> str:
            return f"{PROXY_KEY_ID}.{secrets.token_urlsafe(32)}"

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_connection(port, keys, until, codes) for _ in range(connections)))

    t0 = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - t0
    print(json.dumps({"rps": sum(codes.values()) / elapsed, "codes": codes}))


# -- the bench -------------------------------------------------------------------------


def keys_files(root: Path) -> tuple[str, dict[str, Path]]:
    """The user key and keys files hashing it (and a proxy key) fast and slowly."""
    from jupyterlab_mlplatform.deploy.serving.keys import generate_key, hash_key, write_keys_file

    user, proxy = generate_key("team-1"), generate_key(PROXY_KEY_ID)
    files = {}
    for name, slow in (("hmac", False), ("scrypt", True)):
        path = root / f"keys-{name}"
        hashes = {PROXY_KEY_ID: hash_key(proxy, slow=slow), "team-1": hash_key(user, slow=slow)}
        write_keys_file(str(path), hashes)
        files[name] = path
    return user, files


def save_model(root: Path) -> Path:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from jupyterlab_mlplatform.deploy.model import save_model

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(1000, 10)), columns=COLUMNS)
    model = LogisticRegression().fit(frame, (frame.x0 + frame.x1 > 0).astype(int))
    path = root / "model"
    save_model(model, path, input_example=frame.head(3))
    return path


def start_server(
    model: Path, keys: Path, code: Path, log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = servers.free_port()
    env = servers.env_with()
    env["PYTHONPATH"] = os.pathsep.join([str(code), env["PYTHONPATH"]])
    command = [
        sys.executable, "-m", "jupyterlab_mlplatform.deploy.serving", "--model-dir", str(model),
        "--host", servers.HOST, "--port", str(port), "--keys-file", str(keys),
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=code,
        )  # fmt: skip
    import requests

    for _ in range(2400):
        try:
            if requests.get(f"http://{servers.HOST}:{port}/health", timeout=5).status_code == 200:
                return process, port
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the scoring server did not start:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen[bytes], log: Path) -> None:
    runner = servers.Server("scoring", [], {}, "http://x/", "/", log)
    runner.process = process  # type: ignore[assignment]
    runner.stop()


def run_clients(
    port: int, key: str, connections: int, seconds: float, attack: bool
) -> dict[str, Any]:
    def spawn(kind: str, count: int) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, __file__, "--client", kind, "--port", str(port), "--key", key,
             "--connections", str(count), "--seconds", str(seconds)],
            stdout=subprocess.PIPE, text=True, env=servers.env_with(),
        )  # fmt: skip

    attackers = spawn("attack", ATTACKERS) if attack else None
    legit = spawn("legit", connections)
    out, _ = legit.communicate(timeout=seconds + 120)
    result: dict[str, Any] = {"legit": json.loads(out)}
    if attackers is not None:
        out, _ = attackers.communicate(timeout=seconds + 120)
        result["attack"] = json.loads(out)
    return result


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median legitimate req/s."""
    return sorted(runs, key=lambda run: float(run["legit"]["rps"]))[len(runs) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="each load run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alone/attacked pairs (median)")
    parser.add_argument("--connections", type=int, default=4, help="legitimate connections")
    parser.add_argument("--before", help="also serve with this earlier commit's code")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results" / "deploy_auth.json"
    )
    parser.add_argument("--client", choices=["legit", "attack"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.port, args.client, args.key, args.connections, args.seconds)
        return 0

    root = Path(tempfile.mkdtemp(prefix="mlp-deploy-auth-bench-"))
    started = time.time()
    load_at_start = os.getloadavg()
    rows: dict[str, Any] = {}
    try:
        model = save_model(root)
        user, files = keys_files(root)
        setups = {"hmac": (files["hmac"], servers.REPO), "scrypt": (files["scrypt"], servers.REPO)}
        if args.before:
            before = root / "before"
            before.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.before, "jupyterlab_mlplatform"],
                capture_output=True, check=True, cwd=servers.REPO,
            ).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
            setups["before"] = (files["scrypt"], before)
        for name, (keys, code) in setups.items():
            print(f"{name} ...", flush=True)
            process, port = start_server(model, keys, code, root / f"{name}.log")
            rounds: dict[str, list[dict[str, Any]]] = {"alone": [], "attacked": []}
            try:
                run_clients(port, user, args.connections, 2, attack=False)  # warm-up
                for _ in range(args.rounds):  # alternated: the machine's load drifts
                    for kind, runs in rounds.items():
                        runs.append(
                            run_clients(port, user, args.connections, args.seconds, kind != "alone")
                        )
            finally:
                stop_server(process, root / f"{name}.log")
            rows[name] = {kind: _median(runs) for kind, runs in rounds.items()}
            rows[name]["rounds"] = rounds
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"{'keys file':<10} {'legit alone':>12} {'legit attacked':>15} {'kept':>6} "
          f"{'attack req/s':>13} attack codes")  # fmt: skip
    for name, row in rows.items():
        alone, attacked = row["alone"]["legit"], row["attacked"]["legit"]
        attack = row["attacked"]["attack"]
        kept = attacked["rps"] / alone["rps"] if alone["rps"] else float("nan")
        print(
            f"{name:<10} {alone['rps']:>12.1f} {attacked['rps']:>15.1f} {kept:>6.0%} "
            f"{attack['rps']:>13.1f} {attack['codes']}"
        )
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "duration_s": time.time() - started,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=servers.REPO,
        ).stdout.strip(),
        "before": args.before,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "attackers": ATTACKERS,
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
