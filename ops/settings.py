"""The cluster's settings, from the environment `make cluster` passes (or command-line flags), and
the files it shares with `deploy` in its run dir."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scripts.live_server import ROOT

STATE_FILE = "state.json"  # written by the supervisor: its pid, nginx's, the replicas, the last deploy
REQUEST_FILE = "deploy-request.json"  # written by `deploy` before it sends SIGHUP to the supervisor


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
