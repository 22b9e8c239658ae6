"""The scoring server's HTTP layer, on tornado's HTTP/1.1 connection (``httputil``
delegates rather than ``web.RequestHandler``: about twice the requests per second on the
same core, and this server has five fixed routes).

Routes: ``POST /invocations``, ``GET /health`` (also ``/ping``), ``GET /metadata``,
``GET /openapi.json``, ``GET /metrics``.  With a keys file every route but ``/health`` and
``/ping`` needs ``Authorization: Bearer <key>``.  Every error is JSON
``{"error_code", "message"}`` (see ``scoring_errors``): 400 for bad input (naming the column), 401,
404, 405, 413, 415, 503; a 500 only for the server's own failures.

What can be decided from the headers (a body over the limit, a bad key or content type,
an unknown route) is decided before the body is read: the body is then discarded, and a
413 answer closes the connection instead of reading it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from tornado import httputil
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

from ..model.input_schema import InputSchema
from . import scoring_errors
from .batching import MicroBatcher, Predictor
from .formats import media_type, parse
from .keys import KeyStore
from .metrics import Metrics

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
OPEN_ROUTES = frozenset({"/health", "/ping"})
GET_ROUTES = frozenset({"/health", "/ping", "/metadata", "/openapi.json", "/metrics"})
ROUTES = "/invocations, /health, /metadata, /openapi.json and /metrics"
_REASONS = {s.value: s.phrase for s in HTTPStatus}


@dataclass
class ServingState:
    """What the requests share: the model's predictor (None while loading), checks,
    metrics, keys and the documents served as they are."""

    schema: InputSchema
    metrics: Metrics
    predictor: Predictor | None = None
    batcher: MicroBatcher | None = None
    keys: KeyStore | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    metadata: bytes = b"{}"
    openapi: bytes = b"{}"
    connections: list[int] = field(default_factory=lambda: [0])


class ScoringServer(httputil.HTTPServerConnectionDelegate):
    """Starts one :class:`_Request` per HTTP request."""

    def __init__(self, state: ServingState) -> None:
        self.state = state

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        return _Request(self.state, request_conn)


class _Request(httputil.HTTPMessageDelegate):
    __slots__ = (
        "answered",
        "chunks",
        "closed",
        "conn",
        "error",
        "media",
        "method",
        "route",
        "size",
        "start",
        "state",
    )  # fmt: skip

    def __init__(self, state: ServingState, conn: httputil.HTTPConnection) -> None:
        self.state = state
        self.conn = conn
        self.start = 0.0
        self.route = "other"
        self.method = ""
        self.error: scoring_errors.ServingError | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.media = ""
        self.closed = False
        self.answered = False

    # -- tornado's delegate interface --------------------------------------------------

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> None:
        self.start = time.perf_counter()
        self.state.metrics.in_flight(1)
        assert isinstance(start_line, httputil.RequestStartLine)
        self.method = start_line.method
        path = start_line.path.split("?", 1)[0]
        try:
            self._check(path, headers)
        except scoring_errors.ServingError as e:
            self.error = e
            if isinstance(e, scoring_errors.RequestTooLarge):
                self._answer_error(e)  # now: the connection closes, the body is not read

    def data_received(self, chunk: bytes) -> None:
        if self.error is not None:
            return
        self.size += len(chunk)
        if self.size > self.state.max_body_bytes:
            self.error = _too_large(self.state.max_body_bytes)
            self.chunks = []
        else:
            self.chunks.append(chunk)

    def finish(self) -> None:
        if self.answered:
            return
        if self.error is not None:
            self._answer_error(self.error)
            return
        try:
            if self.route == "/invocations":
                self._invoke()
            else:
                self._get()
        except scoring_errors.ServingError as e:
            self._answer_error(e)
        except Exception:
            log.exception("Unexpected error answering %s", self.route)
            self._answer_error(scoring_errors.ServingError("Internal error: see the server's log."))

    def on_connection_close(self) -> None:
        self.closed = True
        if not self.answered:
            self.answered = True
            self.state.metrics.in_flight(-1)

    # -- routing -----------------------------------------------------------------------

    def _check(self, path: str, headers: httputil.HTTPHeaders) -> None:
        """Everything decided by the request line and headers."""
        if path == "/invocations":
            self.route = path
            if self.method != "POST":
                raise scoring_errors.MethodNotAllowed("Use POST on /invocations.")
        elif path in GET_ROUTES:
            self.route = "/health" if path == "/ping" else path
            if self.method not in ("GET", "HEAD"):
                raise scoring_errors.MethodNotAllowed(f"Use GET on {path}.")
        else:
            raise scoring_errors.NotFound(f"Unknown path: the routes are {ROUTES}.")
        keys = self.state.keys
        if (
            keys is not None
            and path not in OPEN_ROUTES
            and keys.verify_header(headers.get("Authorization")) is None
        ):
            raise scoring_errors.Unauthenticated(
                "Missing, invalid or revoked API key: send 'Authorization: Bearer <key>'."
            )
        if self.route != "/invocations":
            return
        length = headers.get("Content-Length")
        limit = self.state.max_body_bytes
        if length is not None and length.isdigit() and int(length) > limit:
            # Let tornado read nothing more: our answer closes the connection.
            self.conn.set_max_body_size(int(length))  # type: ignore[attr-defined]
            raise _too_large(limit)
        self.media = media_type(headers.get("Content-Type"))
        if self.state.predictor is None:
            raise scoring_errors.NotReady("The model is still loading.")

    def _get(self) -> None:
        state = self.state
        route = self.route
        if route == "/health":
            if state.predictor is None:
                raise scoring_errors.NotReady("The model is still loading.")
            self._answer(200, b'{"status": "ok"}')
        elif route == "/metadata":
            self._answer(200, state.metadata)
        elif route == "/openapi.json":
            self._answer(200, state.openapi)
        else:
            body = state.metrics.exposition().encode()
            self._answer(200, body, "text/plain; version=0.0.4; charset=utf-8")

    def _invoke(self) -> None:
        if self.size == 0:
            raise scoring_errors.MalformedRequest("The body is empty.")
        body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        self.chunks = []
        item = parse(body, self.media, self.state.schema)
        if self.state.batcher is not None:
            self.state.batcher.add(item, self._predicted)
        else:
            assert self.state.predictor is not None
            self._predicted(self.state.predictor.run([item])[0])

    def _predicted(self, result: Any) -> None:
        if isinstance(result, scoring_errors.ServingError):
            self._answer_error(result)
            return
        try:
            body = b'{"predictions": ' + json.dumps(result).encode() + b"}"
        except (TypeError, ValueError) as e:
            log.error("Predictions that are not JSON: %s", e)
            self._answer_error(
                scoring_errors.ServingError("The model's output is not JSON-serializable.")
            )
            return
        self._answer(200, body)

    # -- answering ---------------------------------------------------------------------

    def _answer_error(self, error: scoring_errors.ServingError) -> None:
        if error.status_code >= 500:
            cause = error.__cause__
            log.error(
                "%d %s %s: %s",
                error.status_code,
                self.method,
                self.route,
                error.message,
                exc_info=(type(cause), cause, cause.__traceback__) if cause else None,
            )
        self.state.metrics.error(error.error_code)
        extra: dict[str, str] = {}
        if isinstance(error, scoring_errors.Unauthenticated):
            extra["WWW-Authenticate"] = 'Bearer realm="mlplatform"'
        elif isinstance(error, scoring_errors.MethodNotAllowed):
            extra["Allow"] = "POST" if self.route == "/invocations" else "GET, HEAD"
        self._answer(error.status_code, json.dumps(error.body()).encode(), extra=extra)

    def _answer(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        extra: dict[str, str] | None = None,
    ) -> None:
        if self.answered:
            return
        self.answered = True
        self.state.metrics.in_flight(-1)
        self.state.metrics.request(self.route, status, time.perf_counter() - self.start)
        if self.closed:
            return
        headers = httputil.HTTPHeaders(
            {"Content-Type": content_type, "Content-Length": str(len(body))}
        )
        if extra:
            headers.update(extra)
        start_line = httputil.ResponseStartLine("HTTP/1.1", status, _REASONS.get(status, ""))
        self.conn.write_headers(start_line, headers, b"" if self.method == "HEAD" else body)
        self.conn.finish()


def _too_large(limit: int) -> scoring_errors.RequestTooLarge:
    return scoring_errors.RequestTooLarge(f"The body is larger than the limit ({limit} bytes).")


class ConnectionCountingServer(HTTPServer):
    """An HTTPServer that knows how many connections are open (for the batcher)."""

    def initialize(  # type: ignore[override]
        self, request_callback: Any, *, counter: list[int], **kwargs: Any
    ) -> None:
        self._counter = counter
        super().initialize(request_callback, **kwargs)

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        self._counter[0] += 1
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self._counter[0] -= 1
        super().on_close(server_conn)


def make_server(state: ServingState) -> HTTPServer:
    """The HTTP server.  tornado's own body limit sits above ours, so ours answers (413)."""
    return ConnectionCountingServer(
        ScoringServer(state),
        counter=state.connections,
        max_body_size=state.max_body_bytes * 2 + 1024 * 1024,
        idle_connection_timeout=300,
        body_timeout=60,
    )


def open_connections(state: ServingState) -> Callable[[], int]:
    counter = state.connections
    return lambda: counter[0]
