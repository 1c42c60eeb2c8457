"""One replica: `gunicorn --config api/gunicorn_conf.py` with sync workers, serving one release file.

A replica listens on two sockets that the supervisor opens and hands down (gunicorn's
``--bind fd://N``, as under systemd socket activation):

* its slot's socket, the address nginx knows. The supervisor keeps it open for the cluster's life
  and every replica that fills the slot inherits it, so a replacement takes connections from the
  same queue as the replica it replaces: nothing queued is lost when the old one stops, and nginx
  never has to be told about a new address (a reload would close its idle client connections);
* a port of its own on 127.0.0.1, to ask this very replica for /health (a deploy checks each one).

Its log is <run dir>/replica-<own port>.log.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .procs import group_alive, signal_group, spawn, stop_group
from .releases import Release
from .settings import APP, GUNICORN_CONF, HOST, ROOT

STOP_TIMEOUT = 15.0  # above gunicorn's graceful_timeout (10 s): in-flight requests finish first
BACKLOG = 2048  # gunicorn's default


class ReplicaFailed(RuntimeError):
    """A replica exited, or did not report the expected build, before it was ready."""


def listen(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (a free port when 0), inheritable by a replica."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def health(port: int, timeout: float = 2.0) -> dict | None:
    """The JSON of GET /health on a replica, or None when it does not answer 200."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/health")
        response = conn.getresponse()
        body = response.read()
        return json.loads(body) if response.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()


@dataclass
class Replica:
    slot: int  # which of the REPLICAS places it fills
    slot_port: int  # the slot's socket, shared with whichever replica fills the slot before or after it
    port: int  # its own
    release: Release
    process: subprocess.Popen
    log_path: Path
    started_at: float = field(default_factory=time.time)
    stopped: bool = False  # stop() ran: its process group is never signalled again
    _log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Until its own /health answers 200 with its release's build id; ReplicaFailed otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            if should_stop():
                raise ReplicaFailed("the cluster is stopping")
            if not self.alive():
                raise ReplicaFailed(
                    f"replica on port {self.port} exited ({self.process.returncode}); see {self.log_path}"
                )
            body = health(self.port)
            if body is not None and body.get("build_id") == self.release.build_id:
                return
            if time.monotonic() > deadline:
                raise ReplicaFailed(
                    f"replica on port {self.port} did not report build {self.release.build_id} within {timeout} s "
                    f"(last /health: {body}); see {self.log_path}"
                )
            time.sleep(0.05)

    def terminate(self) -> None:
        """SIGTERM to its group without waiting (stop() waits), unless it was stopped already."""
        if not self.stopped and group_alive(self.pid):
            signal_group(self.pid, signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM: the workers finish the request they hold and accept no more (what is queued on
        the slot's socket stays there for the next replica); SIGKILL to the group after ``timeout``.
        Once only: a second call does nothing (the group's id may belong to another group by then)."""
        if self.stopped:
            return
        self.stopped = True
        try:
            stop_group(self.process, signal.SIGTERM, timeout)
        finally:
            if self._log is not None:
                self._log.close()

    def describe(self) -> dict:
        return {
            "slot": self.slot,
            "slot_port": self.slot_port,
            "port": self.port,
            "pid": self.pid,
            "release": str(self.release.path),
            "build_id": self.release.build_id,
            "started_at": self.started_at,
        }


def replica_command(fds: list[int], workers: int) -> list[str]:
    """gunicorn as `make serve` runs it, on inherited sockets instead of an address."""
    gunicorn = Path(os.environ.get("GUNICORN") or Path(sys.executable).parent / "gunicorn")
    binds = [arg for fd in fds for arg in ("--bind", f"fd://{fd}")]
    return [str(gunicorn), "--config", str(GUNICORN_CONF), *binds, "--workers", str(workers), APP]


def replica_env(release: Release) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LISTEN_FDS", "LISTEN_PID", "GUNICORN_FD")}
    env["ANCHORED_NEWS_DATABASE"] = str(release.path.resolve())
    # nginx reads each request whole before it picks a replica: a slow client cannot hold a sync
    # worker, so the gevent worker that `make serve` needs when exposed directly is not needed here.
    env["WORKER_CLASS"] = "sync"
    return env


def start_replica(slot: int, slot_socket: socket.socket, release: Release, run_dir: Path, workers: int) -> Replica:
    """Start a replica on the slot's socket and a new port of its own (not waiting for it)."""
    own = listen()
    port = own.getsockname()[1]
    log_path = run_dir / f"replica-{port}.log"
    log = log_path.open("ab")
    try:
        fds = [slot_socket.fileno(), own.fileno()]
        process = spawn(replica_command(fds, workers), env=replica_env(release), log=log, cwd=ROOT, pass_fds=fds)
    finally:
        own.close()  # the replica holds it now: the port closes when the replica is gone
    slot_port = slot_socket.getsockname()[1]
    return Replica(slot, slot_port, port, release, process, log_path, _log=log)


def start_ready_replica(
    slot: int,
    slot_socket: socket.socket,
    release: Release,
    run_dir: Path,
    workers: int,
    timeout: float = 60.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> Replica:
    """Start a replica and wait until it serves its release; stopped again if it does not."""
    replica = start_replica(slot, slot_socket, release, run_dir, workers)
    try:
        replica.wait_ready(timeout, should_stop)
    except ReplicaFailed:
        replica.stop(timeout=5)
        raise
    return replica
