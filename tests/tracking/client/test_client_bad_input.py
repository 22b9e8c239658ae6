"""The client's background queue against a real server, when the server refuses some of
what was logged: the refused items are dropped with a warning naming them, and everything
logged before, beside and after them is stored (no retrying a 4xx forever, no stalled
queue)."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any, ClassVar

import pytest

from jupyterlab_mlplatform.tracking.client.background import MAX_ATTEMPTS, BackgroundSender
from jupyterlab_mlplatform.tracking.client.transport import Transport
from tests.tracking.client.test_client import ServerProcess, mlp_server_process  # noqa: F401

POISONED = """
import time
import jupyterlab_mlplatform as mlp

with mlp.start_run(experiment="poison", name="p") as run:
    print(run.run_id, flush=True)
    # one batch: good points around two bad ones (a step past 64 bits, a too-long param)
    for step in range(10):
        mlp.log_metric("x", float(step), step=step)
    mlp.log_metric("x", 1.0, step=2**63)
    mlp.log_param("too_long", "v" * 7000)
    for step in range(10, 20):
        mlp.log_metric("x", float(step), step=step)
    mlp.flush()
    # a bad point alone in its batch, then later points
    mlp.log_metric("y", 1.0, step=-(2**63) - 1)
    mlp.flush()
    time.sleep(0.3)
    for step in range(20, 30):
        mlp.log_metric("x", float(step), step=step)
    mlp.log_param("fine", 1)
print("done", flush=True)
"""


def test_a_refused_point_is_dropped_with_a_warning_and_later_points_arrive(
    mlp_server_process: ServerProcess,  # noqa: F811
) -> None:
    # When a script logs points the server refuses among good ones
    result = mlp_server_process.run_script(POISONED)
    # Then it ends (nothing retried forever), and says what was dropped
    run_id, done = result.stdout.split()
    assert done == "done"
    assert "metric 'x' at step 9223372036854775808" in result.stderr, result.stderr
    assert "metric 'y' at step -9223372036854775809" in result.stderr, result.stderr
    assert "param 'too_long'" in result.stderr, result.stderr
    assert "dropped" in result.stderr
    # And every good point is stored once, the bad ones not at all
    history = mlp_server_process.get(f"runs/{run_id}/metrics/x")
    assert history["steps"] == list(range(30))
    assert history["values"] == [float(s) for s in range(30)]
    run = mlp_server_process.get(f"runs/{run_id}")
    assert "y" not in run["metrics"]
    assert run["params"] == {"fine": "1"}
    assert run["status"] == "FINISHED"


class _Refusing(http.server.BaseHTTPRequestHandler):
    """A stand-in for a server that answers every log batch with one status."""

    status = 429
    bodies: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        payload = json.dumps({"message": "no"}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("status, tries", [(429, MAX_ATTEMPTS), (500, MAX_ATTEMPTS), (422, 1)])
def test_a_batch_refused_again_and_again_is_given_up(
    status: int, tries: int, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a server that answers every batch with the same error
    handler = type("Handler", (_Refusing,), {"status": status, "bodies": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        transport = Transport(f"http://127.0.0.1:{server.server_address[1]}/", "t")
        sender = BackgroundSender(transport, sleep=lambda _: None, linger=0)
        # When one point is logged
        sender.metric("r1", "loss", 1.0, 0, 1)
        # Then the queue does not stall on it: tried a few times, then dropped, by name
        assert sender.flush(timeout=30)
        assert len(handler.bodies) == tries
        assert sender.dropped == 1
        assert "metric 'loss' at step 0" in caplog.text
    finally:
        server.shutdown()
        server.server_close()
