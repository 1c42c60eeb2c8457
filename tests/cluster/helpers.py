"""What the cluster tests share: a cluster run as `make cluster` runs it (python -m ops.cluster run)
with its run dir in the test's tmp_path, and wrk load through nginx in short rounds until told to
stop, so that the load covers an operation of unknown length (a restart, a rolling deploy)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.live_server import HOST, ROOT, free_port, wrk_command

STOP_TIMEOUT = 40.0  # the supervisor stops nginx (10 s bound) then the replicas (15 s bound)

# Mostly /health (never cached: every one reaches a replica and names the build it serves) and
# some data pages (cached by nginx after the first request).
LUA = r"""
local paths = {"/health", "/health", "/health", "/statements?limit=2", "/events?limit=3", "/actors?limit=5"}
local counter = 0
statuses = {}
builds = {}
cache = {}
threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {["Accept-Encoding"] = "gzip"})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local build = string.match(body, '"build_id":"(%x+)"')
  if build then builds[build] = (builds[build] or 0) + 1 end
  local hit = headers["X-Cache-Status"] or "none"
  cache[hit] = (cache[hit] or 0) + 1
end

local function merge(name)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get(name)) do total[tostring(key)] = (total[tostring(key)] or 0) + n end
  end
  local parts = {}
  for key, n in pairs(total) do table.insert(parts, string.format('"%s": %d', key, n)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  io.write(string.format(
    'CLUSTER_LOAD {"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d}, "max_latency_ms": %.1f, "statuses": %s, "builds": %s, "cache": %s}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, latency.max / 1000, merge("statuses"), merge("builds"), merge("cache")))
end
"""


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    rounds: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    builds: dict[str, int] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)
    max_latency_ms: float = 0.0

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.values())

    @property
    def failures(self) -> int:
        """Socket errors and every answer that is not 2xx or 3xx."""
        return self.socket_errors + sum(n for status, n in self.statuses.items() if not 200 <= status < 400)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def add(self, round_: dict) -> None:
        self.rounds += 1
        self.requests += round_["requests"]
        self.seconds += round_["duration_us"] / 1e6
        self.max_latency_ms = max(self.max_latency_ms, round_["max_latency_ms"])
        for total, part in (
            (self.errors, round_["errors"]),
            (self.builds, round_["builds"]),
            (self.cache, round_["cache"]),
        ):
            for key, n in part.items():
                total[key] = total.get(key, 0) + n
        for key, n in round_["statuses"].items():
            self.statuses[int(key)] = self.statuses.get(int(key), 0) + n

    def summary(self) -> str:
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({self.per_second:.0f}/s, {self.rounds} wrk rounds), "
            f"statuses {self.statuses}, socket errors {self.errors}, failures {self.failures}, "
            f"max latency {self.max_latency_ms:.0f} ms, builds seen {self.builds}, cache {self.cache}"
        )


class Load:
    """wrk through nginx in rounds of ``round_seconds`` until ``stop()`` (or ``limit`` seconds):
    ``with Load(url, tmp) as load: ...; result = load.stop()``."""

    def __init__(self, url: str, folder: Path, connections: int = 16, round_seconds: int = 2, limit: float = 45.0):
        assert shutil.which("wrk"), "wrk is missing: `make test` installs it (mk/reliability.mk)"
        self.script = folder / "cluster-load.lua"
        self.script.write_text(LUA)
        self.url, self.connections, self.round_seconds, self.limit = url, connections, round_seconds, limit
        self.result = LoadResult()
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            cmd = wrk_command(self.url, self.script, self.round_seconds, self.connections, threads=2)
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=self.round_seconds + 30)
            line = next((x for x in out.stdout.splitlines() if x.startswith("CLUSTER_LOAD ")), None)
            if out.returncode != 0 or line is None:
                self.problems.append(f"wrk failed ({out.returncode}): {out.stdout[-1000:]} {out.stderr[-1000:]}")
                return
            self.result.add(json.loads(line.removeprefix("CLUSTER_LOAD ")))

    def stop(self) -> LoadResult:
        self._stop.set()
        self._thread.join(timeout=self.round_seconds + 60)
        assert not self.problems, self.problems
        return self.result


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10.0):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs. A zombie (dead, not yet reaped by its parent
    or by init) does not count: it holds no socket and runs nothing."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            return True
    return False


def kill_groups_left(groups: set[int]) -> None:
    """The safety net: SIGKILL to each group still alive, whatever happened. Only to those: a group
    that is gone may have left its id to another process group by now."""
    for pgid in groups:
        if group_alive(pgid):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


class Cluster:
    """`python -m ops.cluster run` in its own session, on a free port, until ``stop()``; or, with
    ``shell``, a shell command of that port (a documented `make cluster`, run by ``sh -c``).

    The cluster never sees ANCHORED_NEWS_SEEDS (a deploy is given its seeds): `make cluster` would
    build them into the database before it starts when that looks stale to make."""

    def __init__(
        self,
        database: Path,
        run_dir: Path,
        replicas: int = 3,
        rate_limit: int = 0,
        rate_burst: int = 100,
        shell: Callable[[int], str] | None = None,
    ):
        self.database, self.run_dir, self.replicas = database, run_dir, replicas
        base = {k: v for k, v in os.environ.items() if k != "ANCHORED_NEWS_SEEDS"}
        self.env = {**base, "ANCHORED_NEWS_DATABASE": str(database), "CLUSTER_RUN_DIR": str(run_dir)}
        self.groups: set[int] = set()  # every process group seen: the supervisor's, nginx's, the replicas'
        self.returncode: int | None = None
        for attempt in range(3):  # the free port may be taken before nginx binds it
            self.port = free_port()
            self.url = f"http://{HOST}:{self.port}"
            self.log = run_dir.parent / f"{run_dir.name}.supervisor.{self.port}.log"
            args = ["--port", str(self.port), "--replicas", str(replicas), "--rate-limit", str(rate_limit)]
            args += ["--rate-burst", str(rate_burst), "--host", HOST]
            command = ["sh", "-c", shell(self.port)] if shell else [sys.executable, "-m", "ops.cluster", "run", *args]
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(
                    command, cwd=ROOT, env={**self.env, "PORT": str(self.port)}, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            self.groups.add(self.process.pid)
            try:
                self._wait_ready()
                return
            except RuntimeError:
                self.stop()
                if attempt < 2 and "Address already in use" in self.log.read_text(errors="replace"):
                    continue
                raise

    def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the supervisor exited ({self.process.returncode}):\n{self.log_tail()}")
            state = self.state()
            if state and state.get("nginx_pid") and len(state["replicas"]) == self.replicas:
                if http_get(self.url + "/health")[0] == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the cluster did not answer on {self.url} within {timeout} s:\n{self.log_tail()}")

    def state(self) -> dict:
        try:
            state = json.loads((self.run_dir / "state.json").read_text())
        except (OSError, ValueError):
            return {}
        self.groups.update(p for p in [state.get("nginx_pid"), *(r["pid"] for r in state["replicas"])] if p)
        return state

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def deploy(self, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        """`python -m ops.cluster deploy` (what `make deploy-data` runs) against this cluster."""
        return subprocess.run(
            [sys.executable, "-m", "ops.cluster", "deploy"],
            cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def stop(self, sig: int = signal.SIGTERM, group: bool = False) -> int | None:
        """``sig`` to the supervisor alone (it stops its children), or with ``group`` to its whole
        process group (Ctrl-C in a terminal: make and the supervisor under it); SIGKILL to every
        group it ever had if it does not exit within the bound. Returns the exit status, and keeps
        in ``left`` the groups still running before that SIGKILL."""
        self.state()
        if self.process.poll() is None:
            if group:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 5  # SIGKILLed processes vanish once reaped
        while any(group_alive(g) for g in self.groups) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.left = {g for g in self.groups if group_alive(g)}
        self.returncode = self.process.poll()
        kill_groups_left(self.groups)
        self.process.wait()
        return self.returncode
