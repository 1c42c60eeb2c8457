"""The Prometheus metrics of the API, and ``GET /metrics`` that exposes them (text format).

What is measured (by ``api.observability``, per request, at the WSGI level):

- ``anchored_news_http_requests_total{method,route,status}``: requests answered;
- ``anchored_news_http_request_duration_seconds{method,route}``: from the request reaching the app
  to its body's last byte handed to the server (a streamed export's whole stream);
- ``anchored_news_http_response_size_bytes{method,route}``: the body bytes actually handed to the
  server (a streamed export's as it is streamed; none for HEAD and 304).

``route`` is the template of the route that matched (``/statements/<statement_id>``), never the
path, and ``(unmatched)`` for every path no route has (404, and 405): the number of series stays
bounded whatever clients ask for. A method the API does not know is counted as ``other``.

And, computed when scraped from the database the answering worker serves (absent without one):
``anchored_news_build_info{build_id,api_version} 1``, ``anchored_news_build_timestamp_seconds``
(when the build was made) and ``anchored_news_build_age_seconds``.

Under gunicorn the metrics are in prometheus_client's multiprocess mode: every worker writes its
values to files in ``PROMETHEUS_MULTIPROC_DIR`` (made private per gunicorn master by
api/gunicorn_conf.py), and a scrape, whichever worker answers it, sums every worker's files. The
mode is chosen when prometheus_client is first imported, so the variable must be set before the
app is loaded (gunicorn loads it in the workers, after the master set it). Without the variable
(the Flask test client, `flask run`) the metrics live in this process's own registry.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .db import Database, DatabaseCorrupt, DatabaseUnavailable, get_db

PREFIX = "anchored_news_"
UNMATCHED = "(unmatched)"  # the route label of every request no route matched
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT"})
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIZE_BUCKETS = tuple(float(4**n * 64) for n in range(12))  # 64 B, 256 B, ... 268 MB (a whole export)

# True when the values are in files shared by the workers (PROMETHEUS_MULTIPROC_DIR was set when
# prometheus_client was imported), False when they are this process's own.
MULTIPROCESS: bool = getattr(values.ValueClass, "_multiprocess", False)
# This process's registry (not prometheus_client's global one): the metrics below, and nothing
# that another library registers.
REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    PREFIX + "http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
DURATION = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time from the request reaching the app to the last byte of its body handed to the server.",
    ["method", "route"],
    buckets=DURATION_BUCKETS,
    registry=REGISTRY,
)
SIZE = Histogram(
    PREFIX + "http_response_size_bytes",
    "Bytes of response body handed to the server (after compression; a stream's as sent).",
    ["method", "route"],
    buckets=SIZE_BUCKETS,
    registry=REGISTRY,
)


# The series of each (method, route, status) once looked up: ``labels()`` costs more than the update.
# As bounded as the labels are (known methods, route templates, the statuses the app answers).
_series: dict[tuple[str, str, str], tuple[Any, Any, Any]] = {}


def observe(method: str, route: str, status: str, seconds: float, size: int) -> None:
    """Count one answered request."""
    if method not in METHODS:
        method = "other"
    series = _series.get((method, route, status))
    if series is None:
        series = _series[(method, route, status)] = (
            REQUESTS.labels(method, route, status),
            DURATION.labels(method, route),
            SIZE.labels(method, route),
        )
    series[0].inc()
    series[1].observe(seconds)
    series[2].observe(size)


class BuildCollector:
    """The build the worker serves: its id, when it was made and how old it is, at scrape time."""

    def __init__(self, db: Database | None, api_version: str):
        self.db = db
        self.api_version = api_version

    def collect(self) -> Iterator[Metric]:
        if self.db is None:
            return
        info = GaugeMetricFamily(
            PREFIX + "build_info", "The data build served (always 1).", labels=["build_id", "api_version"]
        )
        info.add_metric([self.db.build_id, self.api_version], 1)
        yield info
        built_at = dt.datetime.fromisoformat(self.db.built_at)
        if built_at.tzinfo is None:
            built_at = built_at.replace(tzinfo=dt.UTC)
        stamp = built_at.timestamp()
        yield GaugeMetricFamily(
            PREFIX + "build_timestamp_seconds", "When the data build served was made (Unix time).", value=stamp
        )
        yield GaugeMetricFamily(
            PREFIX + "build_age_seconds", "Seconds since the data build served was made.", value=time.time() - stamp
        )


def served_database() -> Database | None:
    try:
        return get_db()
    except (DatabaseUnavailable, DatabaseCorrupt, OSError):
        return None


def exposition() -> bytes:
    """Every metric in the text format: every worker's (multiprocess) or this process's, and the build's."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        MultiProcessCollector(registry, path=os.environ["PROMETHEUS_MULTIPROC_DIR"])
    else:
        registry.register(REGISTRY)
    registry.register(BuildCollector(served_database(), current_app.config["API_VERSION"]))
    return generate_latest(registry)


bp = Blueprint("metrics", __name__)  # a plain Flask blueprint: /metrics is no operation of the API


@bp.get("/metrics")
def metrics():
    response = current_app.response_class(exposition(), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
