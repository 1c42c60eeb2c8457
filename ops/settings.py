"""The cluster's settings, from the environment `make cluster` passes (or command-line flags), and
the files it shares with `deploy` in its run dir."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: gunicorn runs the API from here
HOST = "127.0.0.1"  # the replicas' address (loopback only: nginx is their only client)
APP = "api:create_app()"
GUNICORN_CONF = ROOT / "api" / "gunicorn_conf.py"

STATE_FILE = "state.json"  # written by the supervisor: its pid, nginx's, the replicas, the last deploy
REQUEST_FILE = "deploy-request.json"  # written by `deploy` before it sends SIGUSR1 to the supervisor
LOCK_FILE = "supervisor.lock"  # flock held by the running supervisor for its whole life; holds its pid
DEPLOY_LOCK_FILE = "deploy.lock"  # flock held by a running `deploy`


@dataclass(frozen=True)
class ClusterSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    replicas: int = 3
    replica_workers: int = 1
    rate_limit: int = 50  # requests per second per client address; 0 turns the limit off
    rate_burst: int = 100
    database: Path = ROOT / "data" / "corpus.db"
    run_dir: Path = ROOT / "data" / "cluster"
    ready_timeout: float = 60.0  # seconds for a replica to answer /health with its build

    @property
    def releases_dir(self) -> Path:
        """Per cluster, so that deleting the releases it no longer serves cannot pull a file from
        under another cluster's replicas. Beside the database's folder by default (data/cluster/),
        on the same file system, so a release is a hard link and costs no space."""
        return self.run_dir / "releases"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides) -> ClusterSettings:
        def get(name: str, default):
            return type(default)(env[name]) if env.get(name) else default

        base = cls()
        values = {
            "host": get("HOST", base.host),
            "port": get("PORT", base.port),
            "replicas": get("REPLICAS", base.replicas),
            "replica_workers": get("REPLICA_WORKERS", base.replica_workers),
            "rate_limit": get("RATE_LIMIT", base.rate_limit),
            "rate_burst": get("RATE_BURST", base.rate_burst),
            "database": Path(env.get("ANCHORED_NEWS_DATABASE") or base.database),
            "run_dir": Path(env.get("CLUSTER_RUN_DIR") or base.run_dir),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.replicas < 1 or settings.replica_workers < 1 or settings.rate_limit < 0 or settings.rate_burst < 0:
            raise ValueError(f"bad cluster settings: {settings}")
        return settings


def write_json(path: Path, value: dict) -> None:
    """Atomically: a reader sees the old document or the new one."""
    incoming = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    incoming.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(incoming, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def try_lock(path: Path) -> int | None:
    """An exclusive flock on ``path`` (created when missing): the open descriptor that holds it
    (closing it, or exiting, releases the lock), or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:
        os.close(fd)
        raise
    return fd


def lock_holder(path: Path) -> int | None:
    """When a process holds the flock on ``path``: the pid written in the file (0 when none is
    written yet); None when nobody holds it (a file left behind by a process that exited holds
    nothing). Only looks: a shared lock, taken and released at once."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 64).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
