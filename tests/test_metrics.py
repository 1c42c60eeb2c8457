"""Observability in-process: /metrics (Prometheus text), the X-Request-Id of every response, and
the access log's JSON lines. The live server's multiprocess metrics and access logs are in
tests/reliability/test_metrics_live.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter
from types import SimpleNamespace

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from api import access_log, create_app
from api.observability import route_template

from .conftest import get_json

REQUESTS = "anchored_news_http_requests_total"
DURATION = "anchored_news_http_request_duration_seconds"
SIZE = "anchored_news_http_response_size_bytes"
HEX32 = re.compile(r"[0-9a-f]{32}")

Samples = dict[tuple[str, frozenset], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client) -> Samples:
    response = client.get("/metrics", buffered=True)
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str) -> dict[frozenset, float]:
    """What changed for one sample name, by label set (the registry is shared by every app of the process)."""
    keys = {labels for sample, labels in after if sample == name}
    changes = {labels: after[(name, labels)] - before.get((name, labels), 0.0) for labels in keys}
    return {labels: change for labels, change in changes.items() if change}


def fetch(client, url: str, method: str = "GET", **kwargs):
    """A request whose body is read and closed at once, as a server does: that is when it is counted."""
    return client.open(url, method=method, buffered=True, **kwargs)


def request_labels(method: str, route: str, status: int | str) -> frozenset:
    return frozenset({"method": method, "route": route, "status": str(status)}.items())


@pytest.fixture(scope="module")
def statement_id(client) -> str:
    return get_json(client, "/statements?limit=1")["data"][0]["id"]


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def test_metrics_is_prometheus_text_and_not_cached(client):
    response = fetch(client, "/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert response.headers["Cache-Control"] == "no-store"
    names = {family.name for family in text_string_to_metric_families(response.get_data(as_text=True))}
    assert {"anchored_news_http_requests", DURATION, SIZE, "anchored_news_build_info"} <= names


def test_counters_count_the_requests_by_route_template_method_and_status(client, statement_id):
    before = scrape(client)
    made = Counter()
    for url, method, route, status in [
        ("/health", "GET", "/health", 200),
        ("/health", "GET", "/health", 200),
        ("/health", "HEAD", "/health", 200),
        ("/statements?limit=2", "GET", "/statements", 200),
        (f"/statements/{statement_id}", "GET", "/statements/<statement_id>", 200),
        ("/statements/no-such-statement", "GET", "/statements/<statement_id>", 404),
        ("/statements?limit=abc", "GET", "/statements", 400),
        ("/nope", "GET", "(unmatched)", 404),
        ("/nope/../../etc/passwd?x=1", "GET", "(unmatched)", 404),
        ("/statements.csv", "GET", "/statements.csv", 200),
        ("/health", "BREW", "(unmatched)", 405),
    ]:
        response = fetch(client, url, method)
        assert response.status_code == status, (url, response.status_code)
        made[request_labels("other" if method == "BREW" else method, route, status)] += 1
    made[request_labels("GET", "/metrics", 200)] += 1  # the scrape before: counted when its body was closed
    after = scrape(client)
    assert delta(before, after, REQUESTS) == dict(made)
    by_route = Counter()
    for labels, count in made.items():
        by_route[frozenset((k, v) for k, v in labels if k != "status")] += count
    assert delta(before, after, DURATION + "_count") == dict(by_route)
    assert delta(before, after, SIZE + "_count") == dict(by_route)


def test_no_route_template_ever_holds_the_path(client):
    for path in ("/nope", "/a/b/c", "/statements/x/y", "/%00"):
        fetch(client, path)
    routes = {dict(labels)["route"] for name, labels in scrape(client) if name == REQUESTS}
    assert "(unmatched)" in routes
    assert not {"/nope", "/a/b/c", "/statements/x/y"} & routes
    assert all(":" not in route for route in routes)  # converters are left out: <statement_id>


def test_route_templates_drop_the_converters():
    assert route_template("/statements/<slug_id:statement_id>") == "/statements/<statement_id>"
    assert route_template("/explore/<path:rest>") == "/explore/<rest>"
    assert route_template("/health") == "/health"


def test_sizes_and_durations_measure_the_body_sent(client):
    before = scrape(client)
    csv = fetch(client, "/statements.csv")  # streamed
    gzipped = fetch(client, "/statements.csv", headers={"Accept-Encoding": "gzip"})
    head = fetch(client, "/health", "HEAD")
    after = scrape(client)
    assert csv.is_streamed or csv.headers.get("Content-Length") is None
    export = {"method": "GET", "route": "/statements.csv"}
    sent = len(csv.get_data()) + len(gzipped.get_data())
    assert gzipped.headers["Content-Encoding"] == "gzip" and len(gzipped.get_data()) < len(csv.get_data())
    assert value(after, SIZE + "_sum", **export) - value(before, SIZE + "_sum", **export) == sent
    assert value(after, SIZE + "_sum", method="HEAD", route="/health") == value(
        before, SIZE + "_sum", method="HEAD", route="/health"
    )
    assert head.get_data() == b""
    took = value(after, DURATION + "_sum", **export) - value(before, DURATION + "_sum", **export)
    assert 0 < took < 60


def test_build_info_is_the_database_served(app, client):
    health = get_json(client, "/health")
    samples = scrape(client)
    info = [dict(labels) for name, labels in samples if name == "anchored_news_build_info"]
    assert info == [{"build_id": health["build_id"], "api_version": app.config["API_VERSION"]}]
    built = dt.datetime.fromisoformat(health["built_at"]).timestamp()
    assert value(samples, "anchored_news_build_timestamp_seconds") == pytest.approx(built)
    assert value(samples, "anchored_news_build_age_seconds") == pytest.approx(time.time() - built, abs=60)


def test_metrics_without_a_database(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "absent.db")})
    client = app.test_client()
    assert fetch(client, "/health").status_code == 503
    response = fetch(client, "/metrics")
    assert response.status_code == 200
    names = {name for name, _ in parse(response.get_data(as_text=True))}
    assert not {n for n in names if n.startswith("anchored_news_build")}
    assert (REQUESTS, request_labels("GET", "/health", 503)) in parse(response.get_data(as_text=True))


def test_metrics_is_no_operation_of_the_public_api(app):
    from api.spec import spec_yaml

    assert "/metrics" not in spec_yaml(app)


# --- X-Request-Id -------------------------------------------------------------------------------


def test_a_sane_request_id_is_echoed(client):
    for sent in ("abc", "0f8e2d1c-9b7a-4e7a-8a51-2c7d1e9b0a11", "a.b_c~d:e+f/g=h-i", "x" * 128):
        assert fetch(client, "/health", headers={"X-Request-Id": sent}).headers["X-Request-Id"] == sent


def test_a_request_id_is_made_when_absent_or_not_sane(client):
    made = set()
    for sent in (None, "", "x" * 129, "has space", 'quote"d', "semi;colon", "<script>", "ümlaut"):
        headers = {} if sent is None else {"X-Request-Id": sent}
        got = fetch(client, "/health", headers=headers).headers["X-Request-Id"]
        assert HEX32.fullmatch(got), (sent, got)
        made.add(got)
    assert len(made) == 8  # a new one each time


def test_every_response_has_its_request_id(client, statement_id):
    etag = fetch(client, f"/statements/{statement_id}").headers["ETag"]
    responses = {
        "304": fetch(client, f"/statements/{statement_id}", headers={"If-None-Match": etag}),
        "404 problem": fetch(client, "/nope"),
        "400 problem": fetch(client, "/statements?limit=abc"),
        "414 problem": fetch(client, "/statements?q=" + "a" * 3000),
        "405": fetch(client, "/health", "DELETE"),
        "preflight": fetch(
            client,
            "/statements",
            "OPTIONS",
            headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
        ),
        "docs": fetch(client, "/docs"),
        "export": fetch(client, "/events.geojson"),
        "metrics": fetch(client, "/metrics"),
    }
    assert responses["304"].status_code == 304
    assert responses["404 problem"].content_type == "application/problem+json"
    for what, response in responses.items():
        assert response.headers.getlist("X-Request-Id") == [response.headers["X-Request-Id"]], what
        assert HEX32.fullmatch(response.headers["X-Request-Id"]), what
    assert fetch(client, "/nope", headers={"X-Request-Id": "mine-1"}).headers["X-Request-Id"] == "mine-1"


def test_browsers_may_send_and_read_the_request_id(client):
    response = fetch(client, "/statements?limit=1", headers={"Origin": "https://a.example"})
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert "X-Request-Id" in exposed
    preflight = fetch(
        client,
        "/statements",
        "OPTIONS",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
    )
    assert "X-Request-Id" in {h.strip() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}


# --- the access log -------------------------------------------------------------------------------


def test_access_log_modes():
    assert access_log.mode(None) is None and access_log.mode("") is None
    assert access_log.mode("json") == "json" and access_log.mode(" JSON ") == "json"
    assert access_log.mode("text") == access_log.mode("1") == access_log.mode("true") == "text"
    assert "%({x-request-id}o)s" in access_log.TEXT_FORMAT


def test_a_json_access_record_escapes_what_the_client_sent():
    resp = SimpleNamespace(status="404 NOT FOUND", sent=116, headers=[("Content-Type", "x"), ("X-Request-Id", "r-1")])
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": '/no"pe\\x?a="b"&c=\x01',
        "PATH_INFO": '/no"pe\\x',
        "QUERY_STRING": 'a="b"&c=\x01',
        "HTTP_USER_AGENT": 'agent "quoted"\n',
    }
    now = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    line = json.dumps(access_log.record(resp, environ, dt.timedelta(microseconds=1500), now))
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-01-02T03:04:05.678Z",
        "remote_addr": "127.0.0.1",
        "method": "GET",
        "path": '/no"pe\\x',
        "query": 'a="b"&c=\x01',
        "status": 404,
        "bytes": 116,
        "duration_ms": 1.5,
        "request_id": "r-1",
        "user_agent": 'agent "quoted"\n',
        "referer": None,
    }
