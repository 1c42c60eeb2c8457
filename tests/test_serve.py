"""`make serve` as its users run it: HOST, PORT and WORKERS are honoured, slow clients cannot stall
it, and a fresh clone serves with a .venv that holds the runtime only."""

from __future__ import annotations

import http.client
import json
import re
import selectors
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from scripts.live_server import LiveServer

from .doc_blocks import blocks, commands

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = (ROOT / "api" / "gunicorn_conf.py").read_text(encoding="utf-8")
# The header timeout make serve runs with: the default of HEADER_TIMEOUT in api/gunicorn_conf.py.
HEADER_TIMEOUT = float(re.search(r'_seconds\("HEADER_TIMEOUT", (\d+)\)', GUNICORN_CONF).group(1))
TEST_TOOLS = ("pytest", "schemathesis", "hypothesis", "openapi-python-client", "pact-python", "ruff", "mypy")


def make_serve(
    tmp_path: Path,
    command: str = "make serve",
    host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 60,
) -> LiveServer:
    """``command`` (`make serve`, as a user types it) run by ``sh -c`` in ``cwd``, in its own
    process group, on a free port: given through PORT, and put in place of a PORT=… it sets."""

    def argv(port: int) -> list[str]:
        return ["env", f"PORT={port}", "sh", "-c", re.sub(r"\bPORT=\d+", f"PORT={port}", command)]

    return LiveServer(
        command=argv,
        host=host,
        env={"HOST": "127.0.0.1", **(env or {})},  # what a command does not set
        name="make-serve",
        log_path=tmp_path / "serve.log",
        cwd=cwd,
        timeout=timeout,
    )


def get(host: str, port: int, path: str, timeout: float = 2.0, headers: dict | None = None) -> tuple[int, bytes]:
    """One request on a new connection, as another client would make it."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def gunicorn_workers(session: int) -> int:
    """How many worker processes the gunicorn started in this session (by `make`, through however
    many shells) runs: the children of the one gunicorn whose parent is not a gunicorn."""
    procs = {}
    for pid in subprocess.run(["pgrep", "-s", str(session)], capture_output=True, text=True).stdout.split():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
            ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        procs[pid] = (ppid, "gunicorn" in cmdline)
    gunicorns = {pid for pid, (_, is_gunicorn) in procs.items() if is_gunicorn}
    masters = [pid for pid in gunicorns if procs[pid][0] not in gunicorns]
    assert len(masters) == 1, procs
    return sum(1 for pid in gunicorns if procs[pid][0] == masters[0])


# The `make serve` commands of the README and docs/operating.md, run as written (sh -c), but for
# the port: a free one replaces the documented one, through PORT.
SERVE_COMMANDS = [
    (block.id, command)
    for doc in ("README.md", "docs/operating.md")
    for block in blocks(doc, run_by="tests/test_serve.py")
    for command in commands(block)
    if "make serve" in command
]


def test_every_command_of_these_blocks_is_run():
    """The blocks run by this file hold `make serve` commands, run below, and the README's `make
    test`, which CI runs (.ci/run): running it from inside the suite would run the suite again."""
    for doc in ("README.md", "docs/operating.md"):
        for block in blocks(doc, run_by="tests/test_serve.py"):
            for command in commands(block):
                if (block.id, command) in SERVE_COMMANDS:
                    continue
                assert command.split("#")[0].strip() == "make test", f"{block.id}: {command} is run by no test"
                assert "\nmake test\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.live
@pytest.mark.parametrize("where, command", SERVE_COMMANDS, ids=[f"{w}:{c}" for w, c in SERVE_COMMANDS])
def test_the_documented_serve_commands_run_as_written(where, command, tmp_path):
    assignments = dict(re.findall(r"(?:^|\s)([A-Z_]+)=(\S+)(?=\s)", command.split("make serve")[0]))
    host = assignments.get("HOST", "127.0.0.1")
    assert host.startswith("127."), f"{where}: tests listen on loopback only"
    with make_serve(tmp_path, command, host) as server:
        port = server.port
        status, body = get(host, port, "/statements?limit=1", headers={"X-Request-Id": "doc-check-1"})
        assert status == 200 and b'"data"' in body
        if host != "127.0.0.1":
            with pytest.raises(OSError):  # bound to HOST only
                get("127.0.0.1", port, "/health", timeout=1)
        assert gunicorn_workers(server.process.pid) == int(assignments.get("WORKERS", "2"))
        if assignments.get("ACCESS_LOG") == "json":
            deadline = time.monotonic() + 5
            while "doc-check-1" not in server.log_tail(3000) and time.monotonic() < deadline:
                time.sleep(0.1)
            line = next(line for line in server.log_tail(3000).splitlines() if "doc-check-1" in line)
            assert json.loads(line)["request_id"] == "doc-check-1"


class SlowClients:
    """``count`` connections that send a request line, then one header line a second, never the
    blank line that ends the headers (slowloris), for at most ``seconds``. Records when the server
    closed each one, after how long."""

    def __init__(self, host: str, port: int, count: int, seconds: float):
        self.sockets = [socket.create_connection((host, port)) for _ in range(count)]
        self.opened = time.monotonic()
        self.closed_after: dict[int, float] = {}
        for s in self.sockets:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: slow\r\n")
        self._stop = self.opened + seconds
        self._threads = [threading.Thread(target=self._trickle), threading.Thread(target=self._watch)]
        for thread in self._threads:
            thread.start()

    def _trickle(self) -> None:
        while time.monotonic() < self._stop and len(self.closed_after) < len(self.sockets):
            for i, s in enumerate(self.sockets):
                if i not in self.closed_after:
                    try:
                        s.sendall(b"X-Trickle: 1\r\n")
                    except OSError:
                        pass
            time.sleep(1)

    def _watch(self) -> None:
        with selectors.DefaultSelector() as sel:
            for i, s in enumerate(self.sockets):
                sel.register(s, selectors.EVENT_READ, i)
            while time.monotonic() < self._stop and len(self.closed_after) < len(self.sockets):
                for key, _ in sel.select(timeout=0.2):
                    try:
                        data = key.fileobj.recv(4096)  # type: ignore[union-attr]
                    except OSError:
                        data = b""
                    if not data:  # closed by the server (a response would also count as not stalled)
                        self.closed_after[key.data] = time.monotonic() - self.opened
                        sel.unregister(key.fileobj)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()
        for s in self.sockets:
            s.close()


def probe(host: str, port: int, seconds: float) -> tuple[list[float], int]:
    """Another client's requests, one after another on new connections, for ``seconds``:
    their latencies and how many failed (an error or a timeout of 2 s)."""
    latencies, failures = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for path in ("/health", "/statements?actor=Seoul&limit=5"):
            start = time.monotonic()
            try:
                status, _ = get(host, port, path)
                failures += status != 200
            except OSError:
                failures += 1
            latencies.append(time.monotonic() - start)
    return latencies, failures


@pytest.mark.live
def test_256_slow_clients_leave_other_clients_served_and_are_dropped_at_the_header_timeout(tmp_path):
    with make_serve(tmp_path) as server:
        port = server.port
        slow = SlowClients("127.0.0.1", port, 256, seconds=HEADER_TIMEOUT + 4)
        try:
            latencies, failures = probe("127.0.0.1", port, seconds=HEADER_TIMEOUT - 1)
        finally:
            slow.join()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)]
    print(
        f"{len(latencies)} requests beside 256 slow clients: p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    assert failures == 0
    assert len(latencies) > 200
    assert p99 < 0.100
    # Every slow connection is dropped once the header timeout has passed, and not long before.
    assert len(slow.closed_after) == 256
    assert HEADER_TIMEOUT - 0.5 <= min(slow.closed_after.values())
    assert max(slow.closed_after.values()) <= HEADER_TIMEOUT + 2.5


@pytest.mark.live
def test_the_probe_sees_a_stall_when_workers_wait_for_slow_clients(tmp_path):
    """The control: sync workers (one connection each) are taken by as many slow clients, and the
    probe above then fails, so its zero failures mean something."""
    with make_serve(tmp_path, env={"WORKER_CLASS": "sync", "WORKERS": "2"}) as server:
        port = server.port
        slow = SlowClients("127.0.0.1", port, 4, seconds=4)
        try:
            _, failures = probe("127.0.0.1", port, seconds=2)
        finally:
            slow.join()
    assert failures > 0


@pytest.mark.live
@pytest.mark.slow
def test_a_fresh_clone_serves_on_host_with_the_runtime_only(tmp_path):
    """The issue's check: a fresh clone's `HOST=127.0.0.2 PORT=… make serve` installs .venv, builds
    the database and answers on 127.0.0.2, and its .venv has none of the test tools."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    with make_serve(tmp_path, "HOST=127.0.0.2 make serve", "127.0.0.2", cwd=clone, timeout=600) as server:
        port = server.port
        status, body = get("127.0.0.2", port, "/health")
        assert status == 200 and b'"build_id"' in body
    installed = subprocess.run(
        [str(clone / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    names = {line.split("==")[0].replace("_", "-") for line in installed.splitlines()}
    assert "gunicorn" in names and "flask" in names and "gevent" in names
    assert not names & set(TEST_TOOLS), names & set(TEST_TOOLS)
    assert not (clone / ".venv" / "bin" / "pytest").exists()


def test_make_help_lists_every_target():
    out = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    makefiles = [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]
    phony = set()
    for makefile in makefiles:
        for line in makefile.read_text(encoding="utf-8").splitlines():
            if line.startswith(".PHONY:"):
                phony.update(line.split(":", 1)[1].split())
    assert phony and phony <= listed, phony - listed
