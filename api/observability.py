"""Per-request observability at the WSGI level: the request id and the metrics of every response.

``init_app`` wraps ``app.wsgi_app`` in ``Observed``, which

- gives the request its id (``api.request_id``: the client's X-Request-Id when sane, else a new
  one), puts it in the environ (the access log reads it from the response) and adds it to every
  response's headers, whatever answered: a view, an error handler, a 304, a 404;
- counts the response in ``api.metrics`` when the server closes its body: the status, the bytes
  of body the server was handed and the time until then, so a streamed export is measured as it
  was sent, not when its first byte was ready.

The route template comes from Flask through the environ (set when the request starts, once the
URL is matched); a request no route matched keeps ``(unmatched)``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, request, request_started

from . import metrics
from .request_id import ENVIRON_KEY, HEADER, request_id

ROUTE_KEY = "anchored_news.route"  # the template of the route that matched, in the WSGI environ
_HEADER_LOWER = HEADER.lower()
_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")  # <slug_id:statement_id> -> <statement_id>

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Body:
    """The app's response body, handed on chunk by chunk and counted; measured when closed."""

    __slots__ = ("_chunks", "_environ", "_started", "_status", "_size", "_done")

    def __init__(self, chunks: Iterable[bytes], environ: dict[str, Any], started: float, status: list[str]):
        self._chunks = chunks
        self._environ = environ
        self._started = started
        self._status = status
        self._size = 0
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._size += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            if not self._done:
                self._done = True
                _observe(self._environ, self._status, self._started, self._size)


def _observe(environ: dict[str, Any], status: list[str], started: float, size: int) -> None:
    metrics.observe(
        environ.get("REQUEST_METHOD", ""),
        environ.get(ROUTE_KEY, metrics.UNMATCHED),
        status[0][:3] if status else "500",
        time.perf_counter() - started,
        size,
    )


class Observed:
    """WSGI middleware: the request id, and the metrics of the response."""

    def __init__(self, app: WSGIApp):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = environ[ENVIRON_KEY] = request_id(environ.get("HTTP_X_REQUEST_ID"))
        status: list[str] = []

        def start(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers[:] = [h for h in headers if h[0].lower() != _HEADER_LOWER]
            headers.append((HEADER, rid))
            status[:] = [status_line]
            return start_response(status_line, headers, exc_info)

        try:
            chunks = self.app(environ, start)
        except BaseException:
            _observe(environ, status or ["500"], started, 0)
            raise
        return _Body(chunks, environ, started, status)


@functools.lru_cache(maxsize=1024)  # the app's rules: a few dozen
def route_template(rule: str) -> str:
    """A rule as a label: its variables by name, without their converters (``/statements/<statement_id>``)."""
    return _CONVERTER.sub(r"<\1>", rule)


def _remember_route(sender: Flask, **extra: Any) -> None:
    rule = request.url_rule
    if rule is not None:
        request.environ[ROUTE_KEY] = route_template(rule.rule)


def init_app(app: Flask) -> None:
    app.wsgi_app = Observed(app.wsgi_app)  # type: ignore[method-assign]
    request_started.connect(_remember_route, app)
    app.register_blueprint(metrics.bp)
