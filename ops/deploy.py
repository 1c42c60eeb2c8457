"""`make deploy-data`: build the database, make its release file, and have the running cluster move
its replicas to it one at a time; wait until every replica reports the new build.

    deploy(ClusterSettings.from_env())   # the exit status; progress goes to stderr

The build is the normal one (`flask --app api build-db`: atomic, incremental when it can be); when
it fails, nothing changes. The request goes to the supervisor as a file in its run dir and SIGUSR1.
A cluster runs when its supervisor holds the lock on <run dir>/supervisor.lock; one deploy at a time
(the lock on <run dir>/deploy.lock): a second one meanwhile says so and exits 1.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from .releases import make_release
from .replicas import health
from .settings import (
    DEPLOY_LOCK_FILE,
    LOCK_FILE,
    REQUEST_FILE,
    ROOT,
    STATE_FILE,
    ClusterSettings,
    lock_holder,
    read_json,
    try_lock,
    write_json,
)

FLASK = Path(sys.executable).parent / "flask"


class DeployError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"deploy: {message}", file=sys.stderr, flush=True)


def running_state(run_dir: Path) -> dict:
    """The state of the supervisor that runs in ``run_dir``; DeployError when none does. Its lock
    says whether it runs (a pid in a state file left behind may belong to another process now)."""
    holder = lock_holder(run_dir / LOCK_FILE)
    if holder is None:
        raise DeployError(f"no cluster is running with run dir {run_dir}; start it with `make cluster`")
    state = read_json(run_dir / STATE_FILE)
    if not isinstance(state, dict) or not holder or state.get("pid") != holder:
        raise DeployError(f"the cluster of {run_dir} is still starting; try again once it serves")
    return state


def build(database: Path) -> None:
    """The normal build of ``database`` from the seeds (ANCHORED_NEWS_SEEDS, else seeds/)."""
    env = {**os.environ, "ANCHORED_NEWS_DATABASE": str(database)}
    result = subprocess.run([str(FLASK), "--app", "api", "build-db"], cwd=ROOT, env=env)
    if result.returncode != 0:
        raise DeployError(
            f"the build failed (status {result.returncode}); nothing was deployed, the cluster is unchanged"
        )


def request_roll(run_dir: Path, state: dict, release_path: Path, build_id: str) -> str:
    """Ask the supervisor to move to the release; the request's id names its progress in the state."""
    request_id = uuid.uuid4().hex
    write_json(run_dir / REQUEST_FILE, {"id": request_id, "release": str(release_path), "build_id": build_id})
    if lock_holder(run_dir / LOCK_FILE) != state["pid"]:  # it stopped meanwhile: its pid is no one's
        (run_dir / REQUEST_FILE).unlink(missing_ok=True)
        raise DeployError("the cluster stopped before the deploy could start")
    os.kill(state["pid"], signal.SIGUSR1)
    return request_id


def serving(state: dict, build_id: str) -> list[int]:
    """The ports of the replicas whose /health, asked directly, reports ``build_id``."""
    return [r["port"] for r in state["replicas"] if (health(r["port"]) or {}).get("build_id") == build_id]


def wait_for_roll(run_dir: Path, request_id: str, build_id: str, timeout: float, report: Callable[[str], None]) -> dict:
    """Until the supervisor has finished the request and every replica reports ``build_id``."""
    deadline = time.monotonic() + timeout
    moved = -1
    while time.monotonic() < deadline:
        state = read_json(run_dir / STATE_FILE) or {}
        progress = state.get("deploy") or {}
        if progress.get("id") == request_id:
            if progress["moved"] != moved:
                moved = progress["moved"]
                report(f"{moved}/{progress['total']} replicas moved to build {build_id}")
            if progress["status"] == "failed":
                raise DeployError(f"the cluster could not move to build {build_id}: {progress['error']}")
            if progress["status"] == "done" and len(serving(state, build_id)) == len(state["replicas"]):
                return progress
        elif not state:
            raise DeployError("the cluster stopped during the deploy")
        time.sleep(0.1)
    state = read_json(run_dir / STATE_FILE) or {"replicas": []}
    raise DeployError(
        f"not every replica serves build {build_id} after {timeout} s "
        f"({len(serving(state, build_id))} of {len(state['replicas'])} do); see the replica logs in {run_dir}"
    )


def deploy(settings: ClusterSettings, *, run_build: bool = True, timeout: float = 180.0, report=say) -> int:
    lock: int | None = None
    try:
        run_dir = settings.run_dir.resolve()
        running_state(run_dir)
        lock = try_lock(run_dir / DEPLOY_LOCK_FILE)
        if lock is None:
            raise DeployError(f"another deploy is in progress for run dir {run_dir}; wait for it to finish")
        state = running_state(run_dir)  # as it is now that this deploy has the lock
        database = Path(state["database"])  # the one the cluster was started on
        if run_build:
            build(database)
        release = make_release(database, Path(state["releases_dir"]))
        if len(serving(state, release.build_id)) == len(state["replicas"]):
            report(f"every replica already serves build {release.build_id}")
            return 0
        report(f"moving {len(state['replicas'])} replicas to build {release.build_id} ({release.path})")
        started = time.monotonic()
        request_id = request_roll(run_dir, state, release.path, release.build_id)
        wait_for_roll(run_dir, request_id, release.build_id, timeout, report)
        report(f"every replica serves build {release.build_id} ({time.monotonic() - started:.1f} s)")
        return 0
    except (DeployError, OSError, ValueError, KeyError, sqlite3.Error) as exc:
        report(f"error: {exc}")
        return 1
    finally:
        if lock is not None:
            os.close(lock)
