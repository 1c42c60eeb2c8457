"""Observability of the production server (gunicorn, 2 workers): /metrics sums what every worker
counted (prometheus_client's multiprocess mode, a private directory per master), and the access
log (ACCESS_LOG=json or text) has the request id of each response."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scripts.live_server import LiveServer

from .helpers import raw_get

REQUESTS = "anchored_news_http_requests_total"
ROUNDS = 30  # at most, until both workers have answered some of the requests


def get(url: str, method: str = "GET", request_id: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"X-Request-Id": request_id} if request_id else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers), timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def scrape(base: str) -> dict[tuple[str, frozenset], float]:
    status, headers, body = get(base + "/metrics")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def delta(before: dict, after: dict, name: str) -> dict[frozenset, float]:
    keys = {labels for sample, labels in after if sample == name}
    changes = {labels: after[(name, labels)] - before.get((name, labels), 0.0) for labels in keys}
    return {labels: change for labels, change in changes.items() if change}


def metrics_dir(server: LiveServer) -> Path:
    """The directory the workers write their metrics to: the one their open files are in."""
    for pid in server.worker_pids():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.endswith("/.lock"):
                return Path(target).parent
    raise AssertionError("no worker has the metrics directory open")


def writers(directory: Path) -> set[str]:
    """The pids that wrote counters."""
    return {path.stem.split("_", 1)[1] for path in directory.glob("counter_*.db")}


def test_metrics_sum_every_worker_exactly(live_server_factory, sample_ids):
    server = live_server_factory(workers=2)
    base = server.url
    statement, event = sample_ids["statements"][0], sample_ids["events"][0]
    plan = [
        ("/health", "GET", "/health", 200),
        ("/health", "HEAD", "/health", 200),
        ("/statements?limit=3", "GET", "/statements", 200),
        (f"/statements/{statement}", "GET", "/statements/<statement_id>", 200),
        (f"/events/{event}", "GET", "/events/<event_id>", 200),
        ("/actors?limit=1", "GET", "/actors", 200),
        ("/statements.csv", "GET", "/statements.csv", 200),
        ("/no-such-thing", "GET", "(unmatched)", 404),
        ("/statements?limit=abc", "GET", "/statements", 400),
    ]
    directory = metrics_dir(server)
    before = scrape(base)
    made = Counter({("GET", "/metrics", "200"): 1})  # the scrape before
    with ThreadPoolExecutor(8) as pool:  # concurrent, so that both workers answer some
        for _ in range(ROUNDS):
            answers = list(pool.map(lambda step: get(base + step[0], step[1]), plan * 4))
            for (url, method, route, status), (got, headers, _) in zip(plan * 4, answers, strict=True):
                assert got == status, (url, got)
                assert headers["X-Request-Id"]
                made[(method, route, str(status))] += 1
            if len(writers(directory)) >= 2:
                break
    assert len(writers(directory)) == 2, "one worker answered every request: nothing was summed"

    def expected():
        return {frozenset({"method": m, "route": r, "status": s}.items()): n for (m, r, s), n in made.items()}

    # A worker counts a request when the server closes its body, just after the client has read
    # the last byte: scrape again (each scrape is then one more /metrics request) until it shows.
    deadline = time.monotonic() + 5
    while (after := scrape(base)) and delta(before, after, REQUESTS) != expected() and time.monotonic() < deadline:
        made[("GET", "/metrics", "200")] += 1
        time.sleep(0.1)
    assert delta(before, after, REQUESTS) == expected()
    per_route = Counter()
    for (method, route, _), n in made.items():
        per_route[frozenset({"method": method, "route": route}.items())] += n
    for histogram in ("anchored_news_http_request_duration_seconds", "anchored_news_http_response_size_bytes"):
        assert delta(before, after, histogram + "_count") == dict(per_route), histogram
        assert sum(delta(before, after, histogram + "_sum").values()) > 0
    export = frozenset({"method": "GET", "route": "/statements.csv"}.items())
    csv_bytes = len(get(base + "/statements.csv")[2])  # not gzipped: urllib asks for none
    assert delta(before, after, "anchored_news_http_response_size_bytes_sum")[export] == csv_bytes * per_route[export]

    build_id = json.loads(get(base + "/health")[2])["build_id"]
    info = [dict(labels) for name, labels in after if name == "anchored_news_build_info"]
    assert [i["build_id"] for i in info] == [build_id]
    assert after[("anchored_news_build_age_seconds", frozenset())] >= 0


def test_each_master_has_its_own_private_metrics_directory(live_server_factory):
    first, second = live_server_factory(workers=2), live_server_factory(workers=1)
    directories = metrics_dir(first), metrics_dir(second)
    assert directories[0] != directories[1]
    for directory in directories:
        assert directory.parent == Path(tempfile.gettempdir())
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    get(first.url + "/health")
    get(second.url + "/health")
    first.stop()
    second.stop()
    assert not directories[0].exists() and not directories[1].exists()  # removed at exit


def test_a_given_directory_is_cleared_and_never_shared(live_server_factory, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    stale = directory / "counter_999999.db"
    stale.write_bytes(b"stale")
    server = live_server_factory(workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    assert not stale.exists()
    assert metrics_dir(server) == directory
    get(server.url + "/health")
    with pytest.raises(RuntimeError, match="in use by another gunicorn master"):
        live_server_factory(workers=1, env={"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    assert scrape(server.url)[(REQUESTS, frozenset({"method": "GET", "route": "/health", "status": "200"}.items()))]
    server.stop()
    assert directory.exists()  # the operator's: left where it is


def log_lines(server: LiveServer) -> list[str]:
    return server.log.read_text(errors="replace").splitlines()


def test_json_access_log_has_the_request_id(live_server_factory):
    server = live_server_factory(workers=2, env={"ACCESS_LOG": "json"})
    status, headers, _ = get(server.url + "/statements?limit=1", request_id="live-json-1")
    assert status == 200 and headers["X-Request-Id"] == "live-json-1"
    generated = get(server.url + "/no-such-thing")[1]["X-Request-Id"]
    quoted = raw_get(server.port, b'/no"such\\thing?q="x"', headers=b"X-Request-Id: live-json-2\r\n")
    assert quoted.status == 404
    server.stop()
    records = {}
    for line in log_lines(server):
        if line.startswith("{"):
            record = json.loads(line)  # every JSON line parses
            records[record["request_id"]] = record
    first = records["live-json-1"]
    assert first["method"] == "GET" and first["path"] == "/statements" and first["query"] == "limit=1"
    assert first["status"] == 200 and first["bytes"] > 0 and first["duration_ms"] >= 0
    assert first["remote_addr"] == "127.0.0.1" and first["user_agent"].startswith("Python-urllib")
    assert first["time"].endswith("Z") and "referer" in first
    assert records[generated]["status"] == 404
    assert records["live-json-2"]["path"] == '/no"such\\thing' and records["live-json-2"]["query"] == 'q="x"'


def test_text_access_log_has_the_request_id(live_server_factory):
    server = live_server_factory(workers=1, env={"ACCESS_LOG": "text"})
    get(server.url + "/health", request_id="live-text-1")
    generated = get(server.url + "/health")[1]["X-Request-Id"]
    server.stop()
    lines = log_lines(server)
    assert any('"GET /health HTTP/1.1" 200' in line and line.endswith(" live-text-1") for line in lines), lines[-5:]
    assert any(line.endswith(" " + generated) for line in lines)


def test_no_access_log_by_default(live_server_factory):
    server = live_server_factory(workers=1)
    get(server.url + "/health", request_id="live-none-1")
    server.stop()
    assert not [line for line in log_lines(server) if "live-none-1" in line]


def test_the_directory_of_a_killed_master_is_swept(live_server_factory):
    abandoned = Path(tempfile.mkdtemp(prefix="anchored-news-metrics-"))
    (abandoned / ".lock").touch()
    (abandoned / "counter_999999.db").write_bytes(b"")
    os.utime(abandoned, (0, 0))  # long ago, and nobody holds its lock
    in_use = live_server_factory(workers=1)
    os.utime(metrics_dir(in_use), (0, 0))
    live_server_factory(workers=1)
    assert not abandoned.exists()
    assert metrics_dir(in_use).exists()  # locked by its master: kept
