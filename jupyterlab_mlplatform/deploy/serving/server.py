"""The scoring server process: ``python -m jupyterlab_mlplatform.deploy.serving``.

``--model-dir DIR (--host H --port N | --socket-fd FD) [--workers K] [--batch-max-size 32
--batch-timeout-ms 2] [--keys-file PATH] [--max-body-bytes B] [--drain-seconds S]
[--deployment-name NAME --version V --model-id ID]``

The model is loaded (and predicts its input example once, to warm up) before the port is
bound, so a connection that is accepted is answered.  With ``--workers K > 1`` the parent
binds the socket and forks K workers that share it; it restarts a worker that dies (and
gives up, exiting 1, when they keep dying), on SIGTERM or SIGINT stops them all, and the
workers stop if it dies.  ``--port 0`` picks a free port.
``--socket-fd FD`` serves a listening socket the parent process already bound and passed on
(the deployment manager keeps a deployment's socket, and so its port, across restarts and
version switches: connections wait in its queue while no process accepts).  On SIGTERM a
server stops accepting and answers the requests it has started (for up to
``--drain-seconds``) before it exits, so a new version can take over without dropping any.
Logs go to stderr; requests
are counted in ``/metrics``, not logged (``--log-level DEBUG`` logs each).

Events for the deployment manager are JSON lines (one object with an ``event`` key):

* on stdout, once the port is bound and SIGTERM stops the server cleanly:
  ``{"event": "ready", "host", "port", "pid", "workers", "load_seconds", "parity"}``
  (``parity``: the result of the parity check, :func:`check_parity`);
* if the model's answers to the package's parity sample differ from those kept at
  packaging time, before the port is served: ``{"event": "parity_failed", "error_code":
  "PARITY_MISMATCH", "message", "parity"}``, and the process exits with status 5;
* if the model cannot be loaded, on stdout and as the last line of stderr (after the
  traceback): ``{"event": "load_failed", "error_code": "MODEL_LOAD_FAILED", "message",
  "model_dir"}``, and the process exits with status 3 (2 for bad arguments, 4 when the
  port cannot be bound: ``"event": "bind_failed"``).  A stopped server exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from tornado.netutil import bind_sockets

from jupyterlab_mlplatform.deploy.model import LoadedModel, load_model, parity

from ... import bounded_json
from ..model.input_schema import InputSchema
from . import scoring_openapi
from .app import DEFAULT_MAX_BODY_BYTES, ServingState, make_server, open_connections
from .batching import MicroBatcher, Predictor
from .formats import parse
from .imports import guard_imports
from .keys import KeyStore
from .lifetime import die_with_parent
from .metrics import Metrics
from .scoring_errors import ServingError

log = logging.getLogger("jupyterlab_mlplatform.deploy.serving")

EXIT_LOAD_FAILED = 3
EXIT_BIND_FAILED = 4
EXIT_PARITY_FAILED = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jupyterlab_mlplatform.deploy.serving",
        description="Serve one model package over HTTP (MLflow-compatible /invocations).",
    )
    parser.add_argument("--model-dir", required=True, help="The model package folder.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port.")
    parser.add_argument(
        "--socket-fd",
        type=int,
        default=None,
        help="Serve this inherited listening socket instead of binding --host/--port.",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=10.0,
        help="On SIGTERM, longest wait for started requests to be answered (default 10).",
    )
    parser.add_argument("--workers", type=int, default=1, help="Worker processes (default 1).")
    parser.add_argument(
        "--batch-max-size",
        type=int,
        default=1,
        help="Requests that may share one predict call; 1 (default) turns batching off.",
    )
    parser.add_argument(
        "--batch-timeout-ms",
        type=float,
        default=2.0,
        help="Longest wait for more requests to batch, in ms (default 2).",
    )
    parser.add_argument("--keys-file", help="The API keys file (see keys.py); no auth without.")
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"Largest request body (default {DEFAULT_MAX_BODY_BYTES}); larger: 413.",
    )
    parser.add_argument("--deployment-name", default=None)
    parser.add_argument(
        "--version", type=int, default=None, help="The deployment's model version (a number)."
    )
    parser.add_argument("--model-id", default=None, help="The model's id in the registry.")
    parser.add_argument(
        "--no-import-guard",
        action="store_true",
        help="Let a tabular model's libraries import torch/tensorflow/jax if installed.",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser


def _event(stream: Any, **fields: Any) -> None:
    stream.write(json.dumps(fields) + "\n")
    stream.flush()


def _runtime_version() -> str:
    return str(getattr(sys.modules.get("jupyterlab_mlplatform"), "__version__", "unknown"))


def _read_example(model: LoadedModel) -> dict[str, Any] | None:
    name = model.metadata.input_example_file
    if not name:
        return None
    try:
        with open(os.path.join(model.path, name), "rb") as handle:
            payload = bounded_json.loads(handle.read())
    except (OSError, ValueError):
        log.warning("The input example %s cannot be read.", name)
        return None
    return payload if isinstance(payload, dict) else None


def check_parity(model: LoadedModel, state: ServingState) -> dict[str, Any]:
    """Answer the package's parity sample as ``/invocations`` would (the same parsing,
    validation, predictor and JSON) and compare with the predictions kept at packaging
    time (:func:`~jupyterlab_mlplatform.deploy.model.parity.compare`)."""
    name = model.metadata.parity_file
    if not name:
        return parity.not_checked("The package has no parity sample (an older format).")
    with open(os.path.join(model.path, name), "rb") as handle:
        sample = bounded_json.loads(handle.read())
    rows = int(sample["rows"])
    body = json.dumps(sample["request"]).encode()
    assert state.predictor is not None
    try:
        result = state.predictor.run([parse(body, "application/json", state.schema)])[0]
    except ServingError as e:
        result = e
    if isinstance(result, Exception):
        failed = parity.compare(sample["predictions"], None, rows)
        failed["message"] = f"Parity check failed: the scoring server refused the sample: {result}"
        return failed
    answered = bounded_json.loads(b'{"predictions": ' + json.dumps(result).encode() + b"}")
    return parity.compare(
        sample["predictions"],
        answered["predictions"],
        rows,
        float(sample.get("rtol", parity.RTOL)),
        float(sample.get("atol", parity.ATOL)),
    )


def build_state(model: LoadedModel, args: argparse.Namespace, metrics: Metrics) -> ServingState:
    """Everything the handlers need, computed once: checks, predictor, documents."""
    metadata = model.metadata
    schema = InputSchema(metadata.signature)
    predictor = Predictor(model.predict, schema, metrics)
    example = _read_example(model)
    if example is not None:  # warm up (first-call costs of the library), not fatal
        try:
            result = predictor.run(
                [parse(json.dumps(example).encode(), "application/json", schema)]
            )
            if isinstance(result[0], Exception):
                raise result[0]
        except Exception as e:  # noqa: BLE001
            log.warning("The model could not predict its input example: %s", e)
    keys = KeyStore(args.keys_file) if args.keys_file else None
    name = args.deployment_name or os.path.basename(os.path.normpath(model.path))
    document: dict[str, Any] = {
        "deployment": args.deployment_name,
        "version": args.version,
        "model_id": args.model_id,
        "run_id": metadata.run_id,
        "flavor": metadata.flavor,
        "model_class": metadata.model_class,
        "serialization": metadata.serialization,
        "created_at": metadata.created_at,
        "created_by": metadata.created_by,
        "python_version": metadata.python_version,
        "library_versions": metadata.library_versions,
        "signature": metadata.signature.model_dump() if metadata.signature else None,
        "input_example": example,
        "server": {
            "runtime": "jupyterlab_mlplatform.deploy.serving",
            "runtime_version": _runtime_version(),
            "workers": args.workers,
            "batching": (
                {"max_size": args.batch_max_size, "timeout_ms": args.batch_timeout_ms}
                if args.batch_max_size > 1
                else None
            ),
            "max_body_bytes": args.max_body_bytes,
            "authentication": "bearer" if keys is not None else None,
        },
    }
    spec = scoring_openapi.document(
        metadata.signature,
        example,
        title=f"{name} scoring API",
        version=str(0 if args.version is None else args.version),
        authenticated=keys is not None,
    )
    metrics.info = {
        "deployment": str(args.deployment_name or ""),
        "version": "" if args.version is None else str(args.version),
        "run_id": str(metadata.run_id or ""),
        "flavor": metadata.flavor,
    }
    return ServingState(
        schema=schema,
        metrics=metrics,
        predictor=predictor,
        keys=keys,
        max_body_bytes=args.max_body_bytes,
        metadata=json.dumps(document).encode(),
        openapi=json.dumps(spec).encode(),
    )


async def _serve(
    state: ServingState,
    sockets: list[socket.socket],
    args: argparse.Namespace,
    ready: Callable[[], None] | None = None,
) -> None:
    if args.batch_max_size > 1:
        assert state.predictor is not None
        state.batcher = MicroBatcher(
            state.predictor,
            args.batch_max_size,
            args.batch_timeout_ms / 1000.0,
            open_connections(state),
        )
    server = make_server(state)
    server.add_sockets(sockets)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:  # now a SIGTERM stops it cleanly (exit 0)
        ready()
    await stop.wait()
    server.stop()  # no new connections; the ones accepted finish their requests
    deadline = loop.time() + args.drain_seconds
    while state.metrics.own_in_flight() > 0 and loop.time() < deadline:
        await asyncio.sleep(0.005)


def _worker(index: int, state: ServingState, sockets: list[socket.socket], args: Any) -> None:
    state.metrics.bind_worker(index)
    asyncio.run(_serve(state, sockets, args))


def _prefork(
    state: ServingState,
    sockets: list[socket.socket],
    args: argparse.Namespace,
    ready: Callable[[], None],
) -> int:
    """Fork ``args.workers`` workers; restart any that dies; stop them on SIGTERM/SIGINT."""
    children: dict[int, int] = {}
    stopping = False

    parent = os.getpid()
    failed = False

    def spawn(index: int) -> None:
        pid = os.fork()
        if pid == 0:
            die_with_parent(parent)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                _worker(index, state, sockets, args)
            except BaseException:  # noqa: BLE001 - a worker never returns into the parent
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children[pid] = index

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ready()
    for index in range(args.workers):
        spawn(index)
    restarts: list[float] = []
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, -1)
        if stopping or index < 0:
            continue
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < 60] + [now]
        if len(restarts) > 10 * args.workers:
            log.error("Workers keep dying: stopping.")
            failed = True
            stop(signal.SIGTERM, None)
            continue
        code = os.waitstatus_to_exitcode(status)
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        log.warning("Worker %d (pid %d) %s: restarting it.", index, pid, how)
        spawn(index)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s [serving %(process)d] %(message)s",
    )
    if args.workers < 1 or args.batch_max_size < 1 or args.max_body_bytes < 1:
        print(
            "--workers, --batch-max-size and --max-body-bytes must be at least 1.", file=sys.stderr
        )
        return 2
    start = time.perf_counter()
    metrics = Metrics(args.workers)
    if not args.no_import_guard:
        guard_imports(args.model_dir)  # a no-op when the libraries are already imported
    try:
        model = load_model(args.model_dir)
        state = build_state(model, args, metrics)
        parity_result = check_parity(model, state)
    except Exception as e:  # noqa: BLE001 - any failure to load is reported the same way
        message = f"{type(e).__name__}: {e}"
        traceback.print_exc()
        fields = {
            "event": "load_failed",
            "error_code": "MODEL_LOAD_FAILED",
            "message": message,
            "model_dir": args.model_dir,
        }
        _event(sys.stdout, **fields)
        _event(sys.stderr, **fields)
        return EXIT_LOAD_FAILED
    if parity_result["status"] == "mismatch":  # before accepting any connection
        fields = {
            "event": "parity_failed",
            "error_code": "PARITY_MISMATCH",
            "message": parity_result["message"],
            "parity": parity_result,
        }
        _event(sys.stdout, **fields)
        _event(sys.stderr, **fields)
        return EXIT_PARITY_FAILED
    load_seconds = time.perf_counter() - start
    metrics.model_loaded(load_seconds)
    try:
        if args.socket_fd is not None:
            inherited = socket.socket(fileno=args.socket_fd)
            inherited.setblocking(False)
            sockets = [inherited]
            args.host = inherited.getsockname()[0]
        else:
            sockets = bind_sockets(args.port, args.host, backlog=1024)
    except OSError as e:
        fields = {"event": "bind_failed", "message": str(e), "host": args.host, "port": args.port}
        _event(sys.stdout, **fields)
        _event(sys.stderr, **fields)
        return EXIT_BIND_FAILED
    port = sockets[0].getsockname()[1]

    def ready() -> None:
        log.info(
            "Serving %s on http://%s:%d (%d worker(s), loaded in %.2f s).",
            args.model_dir, args.host, port, args.workers, load_seconds,
        )  # fmt: skip
        _event(
            sys.stdout,
            event="ready",
            host=args.host,
            port=port,
            pid=os.getpid(),
            workers=args.workers,
            load_seconds=round(load_seconds, 4),
            parity=parity_result,
        )

    if args.workers == 1:
        asyncio.run(_serve(state, sockets, args, ready))
        return 0
    return _prefork(state, sockets, args, ready)
