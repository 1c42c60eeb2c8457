"""`make cluster` and `make deploy-data`: nginx in front of gunicorn replicas, run by ops/cluster.py.

Load tests put wrk (16 connections) on nginx while a replica is killed or the data is redeployed,
and count every socket error and every answer that is not 2xx/3xx as a failure.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops import nginx
from ops.procs import spawn, stop_group
from ops.releases import Release
from ops.replicas import Replica, health, listen
from ops.settings import try_lock
from scripts.live_server import HOST, free_port

from ..conftest import ROOT, SEEDS
from ..reliability.helpers import check_problem, raw_request
from .helpers import Load, group_alive, http_get

pytestmark = pytest.mark.live

STATEMENT = re.compile(r"^(  summary: )(.+)$", re.MULTILINE)


def builds_of(state: dict) -> list[str | None]:
    """The build id each replica reports on its own port (not through nginx)."""
    return [(health(r["port"]) or {}).get("build_id") for r in state["replicas"]]


def changed_seeds(folder: Path) -> tuple[Path, str]:
    """A copy of seeds/ with one statement's summary changed: another build id, same corpus shape."""
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    document = sorted(p for p in seeds.glob("*.yaml") if "statements:" in p.read_text())[0]
    marker = f"(changed by the rolling-update test {time.time_ns()})"
    text = document.read_text()
    head, statements = text.split("\nstatements:\n", 1)  # the first statement's summary, not the document's
    statements = STATEMENT.sub(lambda m: f"{m.group(1)}{m.group(2)} {marker}", statements, count=1)
    document.write_text(f"{head}\nstatements:\n{statements}")
    assert document.read_text() != text
    return seeds, marker


def get_from(source: str, port: int, path: str, headers: dict[str, str] | None = None):
    """(status, headers, body) of a GET to nginx on 127.0.0.1 from the local address ``source``
    (127.0.0.2 is loopback too, but not the 127.0.0.1 that nginx allows /metrics to)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def access_log_line(cluster, request_id: str) -> str:
    """The access-log line of the request ``request_id`` (nginx flushes its log every second)."""
    log = cluster.run_dir / "access.log"
    found: list[str] = []

    def logged() -> bool:
        found[:] = [x for x in log.read_text().splitlines() if f" rid={request_id} " in x] if log.exists() else []
        return bool(found)

    wait_until(logged, 5)
    assert len(found) == 1, found
    return found[0]


def wait_until(predicate, timeout: float, step: float = 0.05) -> float:
    """Seconds until ``predicate()`` held; AssertionError after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(step)
    return time.monotonic() - started


# --------------------------------------------------------------------------------------------
# Faults and deploys under load


def test_a_replica_killed_under_load_costs_no_request_and_is_restarted(start_cluster, tmp_path):
    cluster = start_cluster(replicas=3)
    before = cluster.state()
    victim = before["replicas"][1]
    with Load(cluster.url, tmp_path) as load:
        time.sleep(2)
        os.killpg(victim["pid"], signal.SIGKILL)  # the gunicorn master and its worker at once

        def restarted() -> bool:
            state = cluster.state()
            replica = state["replicas"][1] if state else {}
            return replica.get("pid") not in (None, victim["pid"]) and health(replica["port"]) is not None

        restart_seconds = wait_until(restarted, 60)
        time.sleep(2)  # and under load for a while after it
        result = load.stop()
    print(f"\nkill -9 of replica 1 (pid {victim['pid']}): {result.summary()}")
    print(f"replica restarted and answering in {restart_seconds:.2f} s after the kill")
    assert result.requests > 1000, result.summary()
    assert result.failures == 0, result.summary()
    state = cluster.state()
    assert [r["slot_port"] for r in state["replicas"]] == [r["slot_port"] for r in before["replicas"]]
    assert builds_of(state) == [before["build_id"]] * 3  # every replica answers, the restarted one too
    assert state["restarts"] and state["restarts"][-1]["pid_before"] == victim["pid"]
    assert not group_alive(victim["pid"])
    print(f"supervisor's own figure: died -> ready in {state['restarts'][-1]['seconds']} s")


def test_a_rolling_data_update_under_load_fails_no_request(start_cluster, tmp_path):
    cluster = start_cluster(replicas=3)
    old_build = cluster.state()["build_id"]
    seeds, marker = changed_seeds(tmp_path)
    with Load(cluster.url, tmp_path) as load:
        time.sleep(1.5)
        started = time.monotonic()
        deployed = cluster.deploy({"ANCHORED_NEWS_SEEDS": str(seeds)})
        deploy_seconds = time.monotonic() - started
        time.sleep(1.5)
        result = load.stop()
    print(f"\nrolling update of 3 replicas under load, {deploy_seconds:.1f} s (build and roll):\n{deployed.stderr}")
    print(result.summary())
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert result.requests > 1000, result.summary()
    assert result.failures == 0, result.summary()
    state = cluster.state()
    new_build = state["build_id"]
    assert new_build != old_build
    assert state["deploy"]["status"] == "done" and state["deploy"]["moved"] == 3
    print(f"the roll itself (supervisor): {state['deploy']['seconds']} s")
    assert builds_of(state) == [new_build] * 3  # each replica, asked on its own port
    assert set(result.builds) == {old_build, new_build}  # the load saw the switch happen
    # the new data is served through nginx (a page nobody asked for before: not in the cache)
    status, headers, body = http_get(cluster.url + "/statements?limit=100")
    assert status == 200 and marker in body.decode()
    # the release file no replica serves any more is gone; the database file is the new build
    releases = sorted(p.name for p in (cluster.run_dir / "releases").glob("*.db"))
    assert releases == [f"{new_build}.db"]


def test_a_failed_build_deploys_nothing(start_cluster, tmp_path):
    cluster = start_cluster(replicas=2)
    before = cluster.state()
    seeds = tmp_path / "broken-seeds"
    shutil.copytree(SEEDS, seeds)
    document = sorted(p for p in seeds.glob("*.yaml") if "stance:" in p.read_text())[0]
    document.write_text(re.sub(r"stance: \w+", "stance: not-a-stance", document.read_text(), count=1))
    deployed = cluster.deploy({"ANCHORED_NEWS_SEEDS": str(seeds)})
    assert deployed.returncode != 0
    assert "the build failed" in deployed.stderr and "nothing was deployed" in deployed.stderr, deployed.stderr
    after = cluster.state()
    assert [r["pid"] for r in after["replicas"]] == [r["pid"] for r in before["replicas"]]
    assert builds_of(after) == [before["build_id"]] * 2 and after["deploy"] is None


def test_deploy_without_a_running_cluster_says_so(tmp_path):
    env = {**os.environ, "CLUSTER_RUN_DIR": str(tmp_path / "nothing-here")}
    out = subprocess.run(
        [sys.executable, "-m", "ops.cluster", "deploy"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1 and "no cluster is running" in out.stderr, out.stderr


def test_a_state_file_left_behind_is_not_a_running_cluster(tmp_path):
    """A supervisor that was killed leaves state.json; its pid may be another process's by now
    (here: this test's own), which must get no signal: no lock held, no cluster."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "state.json").write_text(json.dumps({"pid": os.getpid(), "replicas": [], "database": "x"}))
    (run_dir / "supervisor.lock").write_text(f"{os.getpid()}\n")  # left behind too, nobody holds it
    env = {**os.environ, "CLUSTER_RUN_DIR": str(run_dir)}
    for command, expected in (("deploy", "no cluster is running"), ("status", "no cluster runs")):
        out = subprocess.run(
            [sys.executable, "-m", "ops.cluster", command], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert out.returncode == 1 and expected in out.stdout + out.stderr, (command, out.stdout, out.stderr)


def test_a_deploy_request_naming_a_bad_release_is_refused_and_the_cluster_serves_on(start_cluster, tmp_path):
    cluster = start_cluster(replicas=2)
    before = cluster.state()
    releases = cluster.run_dir / "releases"
    (releases / "garbage.db").write_bytes(b"not a database at all" * 100)
    outside = tmp_path / "outside.db"
    shutil.copy(cluster.database, outside)  # a real database of the same build, but not a release
    bad = [
        (releases / "missing.db", "0" * 16, "no such release"),
        (releases / "garbage.db", "0" * 16, "not a built database"),
        (outside, before["build_id"], "not in this cluster's releases dir"),
    ]
    for n, (release, build_id, reason) in enumerate(bad):
        request_file = cluster.run_dir / "deploy-request.json"
        request_file.write_text(json.dumps({"id": f"bad-{n}", "release": str(release), "build_id": build_id}))
        os.kill(before["pid"], signal.SIGUSR1)

        def handled(request_id: str = f"bad-{n}") -> bool:
            progress = cluster.state().get("deploy") or {}
            return progress.get("id") == request_id and progress["status"] != "rolling"

        wait_until(handled, 10)
        state = cluster.state()
        assert state["deploy"]["status"] == "failed" and reason in state["deploy"]["error"], state["deploy"]
        assert not request_file.exists()  # handled: deleted
        assert cluster.process.poll() is None, cluster.log_tail()
        assert [r["pid"] for r in state["replicas"]] == [r["pid"] for r in before["replicas"]]
        assert state["nginx_pid"] == before["nginx_pid"]
        assert http_get(cluster.url + "/health")[0] == 200
        assert builds_of(state) == [before["build_id"]] * 2
    assert "refused or failed" in cluster.log_tail()


def test_one_supervisor_per_run_dir_and_one_deploy_at_a_time(start_cluster):
    cluster = start_cluster(replicas=1)
    before = cluster.state()
    files = {name: (cluster.run_dir / name).read_text() for name in ("nginx.conf", "nginx.pid", "state.json")}
    second = subprocess.run(
        [sys.executable, "-m", "ops.cluster", "run", "--host", HOST, "--port", str(free_port()), "--replicas", "1"],
        cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 1, second.stderr
    assert f"another cluster (supervisor pid {before['pid']}) runs with run dir" in second.stderr, second.stderr
    # the first one's files are untouched and it serves on, with the same processes
    assert {name: (cluster.run_dir / name).read_text() for name in files} == files
    assert cluster.process.poll() is None and http_get(cluster.url + "/health")[0] == 200
    assert [r["pid"] for r in cluster.state()["replicas"]] == [r["pid"] for r in before["replicas"]]
    status = subprocess.run(
        [sys.executable, "-m", "ops.cluster", "status"], cwd=ROOT, env=cluster.env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert status.returncode == 0 and json.loads(status.stdout)["pid"] == before["pid"]
    # a deploy while another one holds the deploy lock says so and changes nothing
    held = try_lock(cluster.run_dir / "deploy.lock")
    assert held is not None
    try:
        deployed = cluster.deploy()
    finally:
        os.close(held)
    assert deployed.returncode == 1 and "another deploy is in progress" in deployed.stderr, deployed.stderr
    assert cluster.state()["deploy"] is None


# --------------------------------------------------------------------------------------------
# What nginx adds: rate limits, caching, request ids; and a clean stop


def test_a_client_over_the_rate_limit_gets_429_problem_json_with_retry_after(start_cluster):
    cluster = start_cluster(replicas=1, rate_limit=2, rate_burst=3)
    answers = [http_get(cluster.url + "/health") for _ in range(12)]
    statuses = [status for status, _, _ in answers]
    # the burst passes (less the readiness check's request), then the limit holds
    assert statuses[:2] == [200, 200] and statuses[-4:] == [429] * 4, statuses
    status, headers, body = next(a for a in answers if a[0] == 429)
    problem = check_problem(status, headers["Content-Type"], body, 429)
    assert problem["title"] == "Too Many Requests" and problem["type"] == "about:blank"
    assert headers["Retry-After"].isdigit() and headers["Cache-Control"] == "no-store"
    time.sleep(int(headers["Retry-After"]) + 1)
    assert http_get(cluster.url + "/health")[0] == 200


def test_nginx_caches_data_pages_by_their_etag_and_never_health(start_cluster):
    cluster = start_cluster(replicas=2)
    url = cluster.url + "/statements?limit=2"
    first = http_get(url)
    second = http_get(url)
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert first[1]["X-Cache-Status"] == "MISS" and second[1]["X-Cache-Status"] == "HIT"
    assert second[1]["Cache-Control"] == "public, max-age=300"
    etag = second[1]["ETag"]
    status, headers, body = http_get(url, {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["ETag"] == etag and headers["X-Cache-Status"] == "HIT"
    # each Accept-Encoding variant is its own cache entry (the API says Vary: Accept-Encoding)
    gzipped = [http_get(url, {"Accept-Encoding": "gzip"}) for _ in range(2)]
    assert [h["X-Cache-Status"] for _, h, _ in gzipped] == ["MISS", "HIT"]
    assert gzipped[0][1]["Content-Encoding"] == "gzip" and gzipped[0][1]["ETag"] != etag
    # no-cache answers are never stored: /health does not even pass through the cache (nginx's
    # access log says cache=- for a request the cache never saw, as against HIT above)
    assert " cache=HIT " in access_log_line(cluster, http_get(url, {"X-Request-Id": "page-again"})[1]["X-Request-Id"])
    for n in range(3):
        status, headers, _ = http_get(cluster.url + "/health", {"X-Request-Id": f"health-{n}"})
        assert status == 200 and headers["Cache-Control"] == "no-cache"
        assert " cache=- " in access_log_line(cluster, f"health-{n}")


def test_the_request_id_is_passed_through_or_made_and_logged(start_cluster):
    cluster = start_cluster(replicas=1)
    _, headers, _ = http_get(cluster.url + "/health", {"X-Request-Id": "client-chosen-42"})
    assert headers["X-Request-Id"] == "client-chosen-42"
    _, headers, _ = http_get(cluster.url + "/health")
    made = headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    _, headers, _ = http_get(cluster.url + "/health", {"X-Request-Id": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])  # not a token: nginx's own instead
    # nginx keeps exactly what the API keeps (api/request_id.py): "~" is in its class, "@" is not
    _, headers, _ = http_get(cluster.url + "/health", {"X-Request-Id": "trace~1.a:b+c/d=e_f-9"})
    assert headers["X-Request-Id"] == "trace~1.a:b+c/d=e_f-9"
    _, headers, _ = http_get(cluster.url + "/health", {"X-Request-Id": "user@example"})
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])
    log = cluster.run_dir / "access.log"
    wait_until(lambda: "rid=client-chosen-42" in log.read_text() and f"rid={made}" in log.read_text(), 5)


def test_metrics_through_nginx_only_from_this_machine(start_cluster):
    """Through nginx /metrics comes from any one replica: allowed to 127.0.0.1 only (a scraper
    asks each replica on its own port); anyone else gets a 403 problem+json."""
    cluster = start_cluster(replicas=1)
    status, headers, body = get_from("127.0.0.1", cluster.port, "/metrics")
    assert status == 200 and headers["X-Request-Id"] and b"# TYPE" in body
    status, headers, body = get_from("127.0.0.2", cluster.port, "/metrics", {"X-Request-Id": "not-local-1"})
    problem = check_problem(status, headers["Content-Type"], body, 403)
    assert problem["title"] == "Forbidden" and headers["X-Request-Id"] == "not-local-1"
    assert headers["Cache-Control"] == "no-store"
    assert get_from("127.0.0.2", cluster.port, "/health")[0] == 200  # only /metrics is kept to this machine
    own_port = cluster.state()["replicas"][0]["port"]
    assert http_get(f"http://{HOST}:{own_port}/metrics")[0] == 200  # where a scraper asks


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_stopping_the_supervisor_stops_everything(start_cluster, sig):
    cluster = start_cluster(replicas=2)
    state = cluster.state()
    groups = {state["pid"], state["nginx_pid"], *(r["pid"] for r in state["replicas"])}
    assert all(group_alive(g) for g in groups)
    started = time.monotonic()
    assert cluster.stop(sig) == 0, cluster.log_tail()
    stopped_in = time.monotonic() - started
    wait_until(lambda: not any(group_alive(g) for g in groups), 5)
    assert not (cluster.run_dir / "state.json").exists()
    assert "cluster: stopped" in cluster.log_tail()
    print(f"\n{sig.name}: the supervisor stopped nginx and 2 replicas in {stopped_in:.2f} s")


def test_a_stopped_replica_is_never_signalled_again(tmp_path, monkeypatch):
    """Once its group is gone its id may be another group's: no SIGKILL to a group that went
    away on SIGTERM, and no signal at all to a replica stopped already (as a slot that keeps failing
    to restart, or the shutdown after it, would otherwise send)."""
    sent: list[int] = []
    real_killpg = os.killpg

    def killpg(pgid: int, sig: int) -> None:
        sent.append(sig)
        real_killpg(pgid, sig)

    monkeypatch.setattr(os, "killpg", killpg)
    process = spawn(["sleep", "30"], env=os.environ, log=None)
    replica = Replica(0, 0, 0, Release(tmp_path / "x.db", "0"), process, tmp_path / "replica.log")
    replica.stop(timeout=5)
    assert process.returncode == -signal.SIGTERM and replica.stopped
    assert signal.SIGTERM in sent and signal.SIGKILL not in sent, sent
    sent.clear()
    replica.terminate()
    replica.stop(timeout=1)
    assert sent == []


def test_the_generated_configuration_is_valid_nginx(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    settings = nginx.NginxSettings("127.0.0.1", 8000, 50, 100, tmp_path, work)
    config = nginx.write_config(settings, [40001, 40002, 40003])
    nginx.check_config(config)
    text = config.read_text()
    assert "{{" not in text and text.count("max_fails=2 fail_timeout=5s") == 3
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in text
    assert "limit_req zone=per_client burst=100 nodelay;" in text
    off = nginx.render(nginx.NginxSettings("127.0.0.1", 8000, 0, 100, tmp_path, work), [40001])
    assert "limit_req zone" not in off and "limit_req_zone $" not in off


def test_with_no_replica_to_answer_nginx_says_502_as_problem_json(tmp_path):
    """nginx's own error pages (here: every upstream refuses), as the supervisor configures them."""
    work = nginx.make_work_dir()
    settings = nginx.NginxSettings("127.0.0.1", free_port(), 0, 100, tmp_path, work)
    closed = listen()
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more: every attempt is refused
    process = spawn(nginx.command(nginx.write_config(settings, [closed_port])), env=os.environ, log=None)
    try:
        url = f"http://127.0.0.1:{settings.port}/statements"
        wait_until(lambda: (tmp_path / "nginx.pid").exists() and http_get(url)[0] == 502, 15)
        status, headers, body = http_get(url, {"X-Request-Id": "down-1"})
        problem = check_problem(status, headers["Content-Type"], body, 502)
        assert problem["title"] == "Bad Gateway" and headers["Retry-After"].isdigit()
        assert headers["X-Request-Id"] == "down-1" and headers["Cache-Control"] == "no-store"
    finally:
        stop_group(process, signal.SIGQUIT, 10)
        nginx.remove_work_dir(work)


def test_requests_nginx_refuses_get_problem_json(start_cluster):
    """A request body (the API takes none) over nginx's 16 KB, and a header over 8 KB."""
    cluster = start_cluster(replicas=1)
    too_large = raw_request(
        cluster.port,
        b"GET /statements HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-body-1\r\nContent-Length: 20000\r\n"
        b"Connection: close\r\n\r\n" + b"a" * 20000,
    )
    assert too_large.status == 413
    too_large.problem(413)
    assert too_large.headers["x-request-id"] == "big-body-1"  # as on every other answer
    big_header = raw_request(
        cluster.port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\nConnection: close\r\n\r\n"
    )
    assert "over 8 KB" in big_header.problem(400)["detail"]
    assert re.fullmatch(r"[0-9a-f]{32}", big_header.headers["x-request-id"])  # nginx's own
