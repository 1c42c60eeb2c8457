"""One way to run a server process on 127.0.0.1 for the tests, `make soak` and `make bench`.

    from scripts.live_server import LiveServer

    with LiveServer(database) as server:               # gunicorn + api/gunicorn_conf.py, 'api:create_app()'
        urllib.request.urlopen(server.url + "/health")
        server.worker_pids()                           # the gunicorn workers (the master's children)

    LiveServer(command=lambda port: ["python", "app.py", str(port)], health_path="/ping", name="other")

The server gets a free port of 127.0.0.1 (never another interface), its own process group
(``start_new_session``), and a log file (stdout and stderr). The constructor returns once the
health URL answers with any HTTP status; it raises RuntimeError with the end of the log when the
process exits first or the timeout passes. ``stop()`` (or leaving the ``with`` block) sends
SIGTERM to the whole process group, waits, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
GUNICORN_CONF = ROOT / "api" / "gunicorn_conf.py"
APP = "api:create_app()"
LOG_TAIL = 2000  # characters of the log in an error message


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on ``host`` (127.0.0.1) right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def gunicorn_command(
    port: int,
    workers: int = 2,
    extra_args: Sequence[str] = (),
    app: str = APP,
    config: Path | None = GUNICORN_CONF,
    gunicorn: Path | None = None,
) -> list[str]:
    """gunicorn (by default from this interpreter's environment) bound to 127.0.0.1:port, with
    api/gunicorn_conf.py serving ``api:create_app()`` unless told otherwise, as `make serve` runs it."""
    cmd = [str(gunicorn or Path(sys.executable).parent / "gunicorn")]
    if config is not None:
        cmd += ["--config", str(config)]
    return [*cmd, "--bind", f"{HOST}:{port}", "--workers", str(workers), *extra_args, app]


def wrk_command(
    url: str, script: Path, duration: float, connections: int, threads: int = 2, wrk: str = "wrk"
) -> list[str]:
    """wrk loading ``url`` for ``duration`` seconds (at least 1) through a Lua ``script``, with a
    10 s request timeout: the one load command of scripts/soak.py and bench/run.py."""
    return [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]


class LiveServer:
    """A server process on 127.0.0.1, started (and waited for) by the constructor.

    By default gunicorn serving ``api:create_app()`` on ``database`` (ANCHORED_NEWS_DATABASE);
    ``command`` (port -> argv) runs anything else, listening on ``host`` (a loopback address, by
    default 127.0.0.1). ``env`` is added to the current environment.
    The log goes to ``log_path``, by default ``<database>.<port>.log`` beside the database, or a
    temporary file. Attributes: ``url``, ``port``, ``log`` (the log's path), ``process``.
    """

    def __init__(
        self,
        database: Path | str | None = None,
        *,
        workers: int = 2,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        command: Callable[[int], Sequence[str]] | None = None,
        name: str | None = None,
        health_path: str = "/health",
        log_path: Path | None = None,
        timeout: float = 20.0,
        stop_timeout: float = 10.0,
        cwd: Path = ROOT,
        host: str = HOST,
    ):
        assert host.startswith("127."), "servers in tests listen on loopback only"
        if command is None:
            self.name = name or "gunicorn"
            command = lambda port: gunicorn_command(port, workers, extra_args)  # noqa: E731
        else:
            self.name = name or "server"
        self.database = Path(database) if database is not None else None
        self.health_path = health_path
        self.stop_timeout = stop_timeout
        self._env = {
            **os.environ,
            **({"ANCHORED_NEWS_DATABASE": str(self.database)} if self.database else {}),
            **(env or {}),
        }
        for attempt in range(3):  # another process may take the free port before the server binds it
            self.port = free_port(host)
            self.url = f"http://{host}:{self.port}"
            self.log = self._log_path(log_path)
            self._log_fh = self.log.open("wb")
            self.process = subprocess.Popen(
                [str(c) for c in command(self.port)],
                cwd=cwd,
                env=self._env,
                stdout=self._log_fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                self._wait_ready(timeout)
                return
            except RuntimeError:
                self.stop()
                if attempt < 2 and "Address already in use" in self.log_tail():
                    continue
                raise

    # ----------------------------------------------------------------------------------------

    def _log_path(self, log_path: Path | None) -> Path:
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            return log_path
        if self.database is not None:
            return self.database.with_suffix(f".{self.port}.log")
        fd, path = tempfile.mkstemp(prefix=f"{self.name}-{self.port}-", suffix=".log")
        os.close(fd)
        return Path(path)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise RuntimeError(f"{self.name} exited ({code}) before answering on {self.url}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # any status counts: it answers (e.g. 503 without a database)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.name} did not answer on {self.url}{self.health_path} within {timeout} s:\n"
                        f"{self.log_tail()}"
                    ) from None
                time.sleep(0.1)

    def log_tail(self, chars: int = LOG_TAIL) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # ----------------------------------------------------------------------------------------

    def worker_pids(self) -> list[int]:
        """The pids of the workers (the main process's children), from /proc."""
        pid = self.process.pid
        try:
            return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        except OSError:
            return []

    def pids(self) -> list[int]:
        """The whole process tree: the main process, then its descendants."""
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = [self.process.pid], [self.process.pid]
        while frontier:
            frontier = [p for p, parent in parents.items() if parent in frontier]
            tree.extend(frontier)
        return tree

    def stop(self) -> None:
        """SIGTERM to the process group, wait up to ``stop_timeout`` s, then SIGKILL."""
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
        self._signal_group(signal.SIGKILL)  # whatever of the group outlived its leader
        self._log_fh.close()

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LiveServer {self.name} {self.url} pid {self.process.pid}>"
