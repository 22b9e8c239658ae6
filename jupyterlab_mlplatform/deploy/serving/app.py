"""The scoring server's tornado application.

Routes: ``POST /invocations``, ``GET /health`` (also ``/ping``), ``GET /metadata``,
``GET /openapi.json``, ``GET /metrics``.  With a keys file every route but ``/health`` and
``/ping`` needs ``Authorization: Bearer <key>``.  Every error is JSON
``{"error_code", "message"}`` (see ``errors``): 400 for bad input (naming the column), 401,
404, 405, 413, 415, 503; a 500 only for the server's own failures.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

from . import errors
from .batching import MicroBatcher, Predictor
from .formats import media_type, parse
from .keys import KeyStore
from .metrics import Metrics
from .schema import InputSchema

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024

_BY_STATUS: dict[int, type[errors.ServingError]] = {
    400: errors.MalformedRequest,
    401: errors.Unauthenticated,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.RequestTooLarge,
    415: errors.UnsupportedMediaType,
    503: errors.NotReady,
}


@dataclass
class ServingState:
    """What the handlers share: the model's predictor (None while loading), checks,
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


class ConnectionCountingServer(HTTPServer):
    """An HTTPServer that knows how many connections are open (for the batcher)."""

    def initialize(self, *args: Any, state: ServingState, **kwargs: Any) -> None:  # type: ignore[override]
        self._counter = state.connections
        super().initialize(*args, **kwargs)

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        self._counter[0] += 1
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self._counter[0] -= 1
        super().on_close(server_conn)


class _Handler(web.RequestHandler):
    route = "other"
    open = False

    def initialize(self, state: ServingState) -> None:
        self.state = state
        self._start = time.perf_counter()

    def prepare(self) -> None:
        self.state.metrics.in_flight(1)
        self._counted = True
        keys = self.state.keys
        if (
            keys is not None
            and not self.open
            and keys.verify_header(self.request.headers.get("Authorization")) is None
        ):
            self.set_header("WWW-Authenticate", 'Bearer realm="mlplatform"')
            raise errors.Unauthenticated(
                "Missing, invalid or revoked API key: send 'Authorization: Bearer <key>'."
            )

    def on_finish(self) -> None:
        metrics = self.state.metrics
        if getattr(self, "_counted", False):
            metrics.in_flight(-1)
        metrics.request(self.route, self.get_status(), time.perf_counter() - self._start)

    def write_json(self, body: bytes) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, errors.ServingError):
            error = exc
        elif isinstance(exc, web.HTTPError) and exc.status_code in _BY_STATUS:
            error = _BY_STATUS[exc.status_code](exc.log_message or self._reason)
        elif status_code in _BY_STATUS:
            error = _BY_STATUS[status_code](self._reason)
        else:
            error = errors.ServingError("Internal error: see the server's log.")
        if isinstance(exc, errors.Unauthenticated):
            self.set_header("WWW-Authenticate", 'Bearer realm="mlplatform"')
        self.set_status(error.status_code)
        self.state.metrics.error(error.error_code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error.body()))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, errors.ServingError) and value.status_code < 500:
            return
        if isinstance(value, web.HTTPError) and value.status_code < 500:
            return
        cause = value.__cause__ if isinstance(value, errors.ServingError) else None
        if cause is not None:
            log.error("Predict failed", exc_info=(type(cause), cause, cause.__traceback__))
        else:
            super().log_exception(typ, value, tb)


@web.stream_request_body
class InvocationsHandler(_Handler):
    """``POST /invocations``: the body is read in chunks so an oversized one is refused
    (413) from its Content-Length before it is read."""

    route = "/invocations"

    def prepare(self) -> None:
        super().prepare()
        self._chunks: list[bytes] = []
        self._size = 0
        self._media = media_type(self.request.headers.get("Content-Type"))
        length = self.request.headers.get("Content-Length")
        limit = self.state.max_body_bytes
        if length is not None and length.isdigit() and int(length) > limit:
            raise errors.RequestTooLarge(f"The body is larger than the limit ({limit} bytes).")
        if self.state.predictor is None:
            raise errors.NotReady("The model is still loading.")

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.state.max_body_bytes:
            self._chunks.append(chunk)

    async def post(self) -> None:
        if self._size > self.state.max_body_bytes:
            raise errors.RequestTooLarge(
                f"The body is larger than the limit ({self.state.max_body_bytes} bytes)."
            )
        if self._size == 0:
            raise errors.MalformedRequest("The body is empty.")
        body = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        item = parse(body, self._media, self.state.schema)
        if self.state.batcher is not None:
            predictions = await self.state.batcher.submit(item)
        else:
            assert self.state.predictor is not None
            (predictions,) = self.state.predictor.run([item])
            if isinstance(predictions, errors.ServingError):
                raise predictions
        self.write_json(b'{"predictions": ' + json.dumps(predictions).encode() + b"}")


class HealthHandler(_Handler):
    route = "/health"
    open = True

    def get(self) -> None:
        if self.state.predictor is None:
            raise errors.NotReady("The model is still loading.")
        self.write_json(b'{"status": "ok"}')


class MetadataHandler(_Handler):
    route = "/metadata"

    def get(self) -> None:
        self.write_json(self.state.metadata)


class OpenAPIHandler(_Handler):
    route = "/openapi.json"

    def get(self) -> None:
        self.write_json(self.state.openapi)


class MetricsHandler(_Handler):
    route = "/metrics"

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.state.metrics.exposition())


class NotFoundHandler(_Handler):
    open = True

    def prepare(self) -> None:
        super().prepare()
        raise errors.NotFound(
            "Unknown path: the routes are /invocations, /health, "
            "/metadata, /openapi.json and /metrics."
        )


def _log_request(handler: web.RequestHandler) -> None:
    """Server errors are logged; other requests only at debug level (they are counted)."""
    status = handler.get_status()
    if status >= 500:
        log.error("%d %s", status, handler._request_summary())
    elif log.isEnabledFor(logging.DEBUG):
        log.debug("%d %s", status, handler._request_summary())


def make_app(state: ServingState) -> web.Application:
    kwargs = {"state": state}
    return web.Application(
        [
            (r"/invocations", InvocationsHandler, kwargs),
            (r"/health", HealthHandler, kwargs),
            (r"/ping", HealthHandler, kwargs),
            (r"/metadata", MetadataHandler, kwargs),
            (r"/openapi\.json", OpenAPIHandler, kwargs),
            (r"/metrics", MetricsHandler, kwargs),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=kwargs,
        compress_response=False,
        log_function=_log_request,
    )


def make_server(app: web.Application, state: ServingState) -> HTTPServer:
    """The HTTP server: tornado's own limit sits above ours, so ours answers (413)."""
    return ConnectionCountingServer(
        app,
        state=state,
        xheaders=False,
        max_body_size=state.max_body_bytes * 2 + 1024 * 1024,
        idle_connection_timeout=300,
        body_timeout=60,
    )
