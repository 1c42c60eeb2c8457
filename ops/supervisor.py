"""The cluster's supervisor: it runs in the foreground, starts the replicas and then nginx, restarts
whatever dies, moves the replicas to a new release one at a time when `deploy` asks (SIGUSR1), and
stops everything on SIGTERM, SIGINT (Ctrl-C) or SIGHUP (the terminal it ran in went away).

One supervisor per run dir: it holds an flock on <run dir>/supervisor.lock (with its pid in it) for
its whole life. A second one on the same run dir refuses to start and touches nothing; `deploy`
and `status` take a held lock, not a pid in state.json, as the sign that a cluster runs.

    Supervisor(ClusterSettings.from_env()).run()   # returns the exit status

nginx's upstream servers are the supervisor's slot sockets (ops/replicas.py): a restarted or
redeployed replica inherits its slot's socket, so neither a restart nor a deploy changes nginx's
configuration. nginx is reloaded only when a slot must move to another port, which happens only
when its port was taken while the slot was closed (no replica could start for it).

A replica that cannot start again is retried every RESTART_BACKOFF seconds, its slot closed
meanwhile (nginx sends its share elsewhere). nginx that dies is started again; when that fails
the supervisor stops everything and exits 1, for the service manager above it to act on.
A deploy that fails part-way (a new replica does not come up) stops there: the replicas already
moved serve the new build, the others the old one; `deploy` reports it and exits 1.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from . import nginx
from .procs import spawn, stop_group
from .releases import Release, build_id_of, make_release, prune_releases
from .replicas import Replica, ReplicaFailed, listen, start_ready_replica, start_replica
from .settings import LOCK_FILE, REQUEST_FILE, STATE_FILE, ClusterSettings, lock_holder, read_json, try_lock, write_json

POLL = 0.1  # seconds between looks at the children
RESTART_BACKOFF = 2.0  # seconds before trying again to start a replica that failed to start
NGINX_STOP_TIMEOUT = 10.0


def log(message: str) -> None:
    print(f"cluster: {message}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, settings: ClusterSettings):
        self.settings = settings
        self.run_dir = settings.run_dir.resolve()
        self.replicas: list[Replica] = []
        self.slots: list[socket.socket | None] = []  # None: closed, no replica could start for it
        self.slot_ports: list[int] = []
        self.nginx: subprocess.Popen | None = None
        self.release: Release | None = None  # what a replica (re)started now serves
        self.restarts: list[dict] = []
        self.deploy: dict | None = None
        self.stopping = False
        self.deploy_requested = False
        self.retry_at: dict[int, float] = {}  # slot -> when to try starting it again
        self.work_dir: Path | None = None

    # ---------------------------------------------------------------- the foreground program

    def run(self) -> int:
        """Until SIGTERM, SIGINT or SIGHUP: 0 after a clean stop, 1 when the cluster could not
        start (or another supervisor runs with the same run dir: then nothing is touched)."""
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            lock = try_lock(self.run_dir / LOCK_FILE)
        except OSError as exc:
            log(f"error: {exc}")
            return 1
        if lock is None:
            holder = lock_holder(self.run_dir / LOCK_FILE)
            log(
                f"error: another cluster (supervisor pid {holder or '?'}) runs with run dir {self.run_dir}; "
                "stop it first, or give this one another CLUSTER_RUN_DIR"
            )
            return 1
        try:
            os.ftruncate(lock, 0)
            os.pwrite(lock, f"{os.getpid()}\n".encode(), 0)
            return self._run_locked()
        finally:
            os.close(lock)  # releases the lock; the file stays (deleting it would race a newcomer)

    def _run_locked(self) -> int:
        self._install_signals()
        try:
            # Left by a supervisor that was killed: nothing of it runs (it held the lock).
            (self.run_dir / STATE_FILE).unlink(missing_ok=True)
            (self.run_dir / REQUEST_FILE).unlink(missing_ok=True)
            self._start()
            while not self.stopping:
                self._restart_dead()
                if self.deploy_requested:
                    self.deploy_requested = False
                    self._handle_deploy_request()
                time.sleep(POLL)
            return 0
        except (OSError, RuntimeError, ValueError, sqlite3.Error) as exc:
            if self.stopping:
                return 0  # asked to stop while starting
            log(f"error: {exc}")
            return 1
        finally:
            self._shutdown()

    def _install_signals(self) -> None:
        def stop(signum, frame):
            self.stopping = True

        def deploy(signum, frame):
            self.deploy_requested = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, stop)  # the terminal went away: nobody is left to press Ctrl-C
        signal.signal(signal.SIGUSR1, deploy)

    def _start(self) -> None:
        self.release = make_release(self.settings.database, self.settings.releases_dir)
        log(f"release {self.release.path} (build {self.release.build_id})")
        opened = [listen() for _ in range(self.settings.replicas)]  # closed by _shutdown
        self.slots = list(opened)
        self.slot_ports = [sock.getsockname()[1] for sock in opened]
        for slot, sock in enumerate(opened):  # all at once: they boot in parallel
            self.replicas.append(start_replica(slot, sock, self.release, self.run_dir, self.settings.replica_workers))
        for replica in self.replicas:
            replica.wait_ready(self.settings.ready_timeout, lambda: self.stopping)
            log(
                f"replica {replica.slot} ready on slot port {replica.slot_port}, own port {replica.port} (pid {replica.pid})"
            )
        if self.stopping:
            return
        self.work_dir = nginx.make_work_dir()
        self._start_nginx()
        log(f"serving http://{self.settings.host}:{self.settings.port}/ with {len(self.replicas)} replicas")

    # ---------------------------------------------------------------- nginx

    def _nginx_settings(self) -> nginx.NginxSettings:
        assert self.work_dir is not None
        s = self.settings
        return nginx.NginxSettings(s.host, s.port, s.rate_limit, s.rate_burst, self.run_dir, self.work_dir)

    def _write_nginx_config(self) -> Path:
        config = nginx.write_config(self._nginx_settings(), self.slot_ports)
        nginx.check_config(config)
        return config

    def _start_nginx(self) -> None:
        config = self._write_nginx_config()
        (self.run_dir / "nginx.pid").unlink(missing_ok=True)
        self.nginx = spawn(nginx.command(config), env=os.environ, log=None)
        deadline = time.monotonic() + 15
        while not self._nginx_ready():
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited ({self.nginx.returncode}); its messages are above")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx does not accept connections on {self.settings.host}:{self.settings.port}")
            time.sleep(0.05)
        log(f"nginx running (pid {self.nginx.pid}), configuration {config}")
        self._write_state()

    def _nginx_ready(self) -> bool:
        """nginx writes its pid file only once it has bound its port (a port someone else
        listens on would answer too), and then accepts connections."""
        assert self.nginx is not None
        try:
            if int((self.run_dir / "nginx.pid").read_text()) != self.nginx.pid:
                return False
        except (OSError, ValueError):
            return False
        try:
            with socket.create_connection((self.settings.host, self.settings.port), timeout=1):
                return True
        except OSError:
            return False

    def _reload_nginx(self) -> None:
        """A slot moved to another port: new configuration, graceful reload, done once the old
        workers are gone."""
        self._write_nginx_config()
        assert self.nginx is not None
        nginx.reload(self.nginx.pid)

    # ---------------------------------------------------------------- restarts

    def _restart_dead(self) -> None:
        for slot, replica in enumerate(self.replicas):
            if not replica.alive() and time.monotonic() >= self.retry_at.get(slot, 0.0) and not self.stopping:
                self._restart(slot, replica)
        if self.nginx is not None and self.nginx.poll() is not None and not self.stopping:
            log(f"nginx exited ({self.nginx.returncode}); starting it again")
            dead = self.nginx
            self.nginx = None  # stopped once, never signalled again
            stop_group(dead, signal.SIGKILL, 2)  # whatever workers it left behind
            self.restarts.append({"what": "nginx", "pid_before": dead.pid, "died_at": time.time()})
            self._start_nginx()

    def _restart(self, slot: int, dead: Replica) -> None:
        assert self.release is not None
        died_at = time.time()
        log(f"replica {slot} (port {dead.port}, pid {dead.pid}) exited ({dead.process.returncode}); restarting it")
        dead.stop(timeout=2)  # the rest of its group, if anything is left; nothing when stopped already
        try:
            replica = start_ready_replica(
                slot, self._open_slot(slot), self.release, self.run_dir, self.settings.replica_workers,
                self.settings.ready_timeout, lambda: self.stopping,
            )  # fmt: skip
        except (ReplicaFailed, OSError) as exc:
            log(f"replica {slot} failed to start again: {exc}; next try in {RESTART_BACKOFF} s")
            self._close_slot(slot)
            self.retry_at[slot] = time.monotonic() + RESTART_BACKOFF
            return
        self.replicas[slot] = replica
        ready_at = time.time()
        self.restarts.append(
            {"what": f"replica {slot}", "port": replica.port, "pid_before": dead.pid, "pid_after": replica.pid,
             "died_at": died_at, "ready_at": ready_at, "seconds": round(ready_at - died_at, 3)}
        )  # fmt: skip
        log(f"replica {slot} ready again on port {replica.port} (pid {replica.pid}) in {ready_at - died_at:.2f} s")
        self._write_state()

    def _close_slot(self, slot: int) -> None:
        """No replica serves the slot: close its socket, so that what is queued on it is refused
        (nginx retries it on another replica) instead of waiting for nginx's read timeout."""
        sock = self.slots[slot]
        if sock is not None:
            sock.close()
            self.slots[slot] = None

    def _open_slot(self, slot: int) -> socket.socket:
        """The slot's socket; a closed slot gets its port again, or another one and an nginx reload."""
        sock = self.slots[slot]
        if sock is None:
            try:
                sock = listen(self.slot_ports[slot])
            except OSError:
                sock = listen()
                self.slot_ports[slot] = sock.getsockname()[1]
                self.slots[slot] = sock
                self._reload_nginx()
            self.slots[slot] = sock
        return sock

    # ---------------------------------------------------------------- rolling deploys

    def _handle_deploy_request(self) -> None:
        """The request `deploy` wrote, taken (renamed) at once so that a later one is not mixed
        up with it, and deleted once handled. A bad request is refused (logged, and "failed" in
        the state for `deploy` to report); the cluster serves on as before."""
        taken = self.run_dir / f".{REQUEST_FILE}.handling"
        try:
            os.replace(self.run_dir / REQUEST_FILE, taken)
        except OSError:
            log(f"SIGUSR1 without a {REQUEST_FILE}; nothing to deploy")
            return
        try:
            request = read_json(taken)
        finally:
            taken.unlink(missing_ok=True)
        if not isinstance(request, dict):
            log(f"{REQUEST_FILE} is not a deploy request; nothing to deploy")
            return
        self.deploy = {"id": request.get("id"), "build_id": request.get("build_id"), "status": "rolling",
                       "started_at": time.time(), "moved": 0, "total": len(self.replicas), "error": None}  # fmt: skip
        self._write_state()
        try:
            self._roll(self._requested_release(request))
            self.deploy["status"] = "done"
        except (OSError, KeyError, TypeError, ValueError, RuntimeError, sqlite3.Error) as exc:
            self.deploy.update(status="failed", error=str(exc))
            log(f"deploy of build {request.get('build_id')} refused or failed: {exc}")
        self.deploy["finished_at"] = time.time()
        self.deploy["seconds"] = round(self.deploy["finished_at"] - self.deploy["started_at"], 3)
        self._write_state()

    def _requested_release(self, request: dict) -> Release:
        """The release a request names, once checked: a file in this cluster's releases dir that
        holds the build the request says."""
        build_id = request["build_id"]
        if not isinstance(build_id, str) or not build_id:
            raise ValueError(f"no build id in the request: {build_id!r}")
        releases = self.settings.releases_dir.resolve()
        path = Path(request["release"]).resolve()
        if path.parent != releases:
            raise ValueError(f"{path} is not in this cluster's releases dir {releases}")
        if not path.is_file():
            raise ValueError(f"{path}: no such release")
        if build_id_of(path) != build_id:
            raise ValueError(f"{path} does not hold build {build_id}")
        return Release(path, build_id)

    def _roll(self, release: Release) -> None:
        """One replica at a time: a new one with ``release`` on the slot's socket and a new port of
        its own, ready (its /health reports the build); then the old one stopped (SIGTERM: it
        finishes its requests in flight, and what is queued on the slot goes to the new one)."""
        assert self.deploy is not None
        previous = {replica.release.path for replica in self.replicas}
        log(f"rolling {len(self.replicas)} replicas to build {release.build_id}")
        for slot in range(len(self.replicas)):
            if self.stopping:
                raise RuntimeError("the cluster is stopping")
            old = self.replicas[slot]
            if old.alive() and old.release.build_id == release.build_id:
                self.deploy["moved"] += 1
                continue
            new = start_ready_replica(
                slot, self._open_slot(slot), release, self.run_dir, self.settings.replica_workers,
                self.settings.ready_timeout, lambda: self.stopping,
            )  # fmt: skip
            self.release = release  # it starts and serves: restarts from now on use it too
            self.replicas[slot] = new
            old.stop()
            self.deploy["moved"] += 1
            log(f"replica {slot}: pid {old.pid} -> {new.pid} (own port {new.port}), build {release.build_id}")
            self._write_state()
            self._restart_dead()  # a replica that died meanwhile is not left down for the whole roll
        in_use = {replica.release.path for replica in self.replicas}
        removed = prune_releases(self.settings.releases_dir, in_use) if previous - in_use else []
        log(
            f"all replicas serve build {release.build_id}"
            + (f"; removed {len(removed)} old release(s)" if removed else "")
        )

    # ---------------------------------------------------------------- state and shutdown

    def _write_state(self) -> None:
        write_json(
            self.run_dir / STATE_FILE,
            {
                "pid": os.getpid(),
                "url": f"http://{self.settings.host}:{self.settings.port}",
                "slot_ports": self.slot_ports,
                "nginx_pid": self.nginx.pid if self.nginx else None,
                "database": str(self.settings.database.resolve()),
                "releases_dir": str(self.settings.releases_dir.resolve()),
                "build_id": self.release.build_id if self.release else None,
                "replicas": [replica.describe() for replica in self.replicas],
                "restarts": self.restarts[-50:],
                "deploy": self.deploy,
                "updated_at": time.time(),
            },
        )

    def _shutdown(self) -> None:
        """nginx first (QUIT: it finishes what it holds), then every replica at once (SIGTERM, then
        SIGKILL to its group after a bound)."""
        if self.nginx is not None:
            log("stopping nginx")
            stopping, self.nginx = self.nginx, None
            stop_group(stopping, signal.SIGQUIT, NGINX_STOP_TIMEOUT)
        if self.replicas:
            log(f"stopping {len(self.replicas)} replicas")
        for replica in self.replicas:
            replica.terminate()  # all at once, so they stop in parallel (not those stopped already)
        for replica in self.replicas:
            replica.stop()
        for slot in range(len(self.slots)):
            self._close_slot(slot)
        if self.work_dir is not None:
            nginx.remove_work_dir(self.work_dir)
        (self.run_dir / STATE_FILE).unlink(missing_ok=True)
        log("stopped")
