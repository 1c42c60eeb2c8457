"""The cluster commands of docs/operating.md, run as written through make: `make cluster` in the
foreground, then, in another shell after an article changed, `make deploy-data` and `make
cluster-status`; the end is Ctrl-C (SIGINT to the foreground process group). Only the port is
replaced (by a free one), and the data's place is the test's (ANCHORED_NEWS_DATABASE,
ANCHORED_NEWS_SEEDS, CLUSTER_RUN_DIR), never the repository's seeds/ or data/.

The changed seeds (ANCHORED_NEWS_SEEDS) go only to the commands after `make cluster`: `make
cluster` builds its database first when make finds it stale (a fresh clone), and that build must
not already hold the change that `make deploy-data` is to deploy."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest

from data.build import build_database
from scripts.live_server import ROOT, free_port

from ..conftest import SEEDS
from ..doc_blocks import blocks, commands
from .helpers import group_alive, http_get, kill_groups_left
from .test_cluster import builds_of, changed_seeds, wait_until

pytestmark = pytest.mark.live

DOC = "docs/operating.md"
COMMANDS = [
    command for block in blocks(DOC, run_by="tests/cluster/test_cluster_docs.py") for command in commands(block)
]


def test_the_documented_cluster_commands_run_as_written(tmp_path):
    assert any("make cluster" in c for c in COMMANDS) and any("make deploy-data" in c for c in COMMANDS)
    database = tmp_path / "corpus.db"
    build_database(SEEDS, database)
    seeds, marker = changed_seeds(tmp_path)  # they differ from the database by one changed summary
    run_dir = tmp_path / "run"
    base = {k: v for k, v in os.environ.items() if k != "ANCHORED_NEWS_SEEDS"}
    env = {**base, "ANCHORED_NEWS_DATABASE": str(database), "CLUSTER_RUN_DIR": str(run_dir)}
    after_change = {**env, "ANCHORED_NEWS_SEEDS": str(seeds)}  # for the commands after `make cluster`
    port = free_port()
    documented = next(c for c in COMMANDS if re.search(r"\bmake cluster(\s|$)", c))
    start = re.sub(r"\bPORT=\d+", f"PORT={port}", documented)
    replicas = int(re.search(r"\bREPLICAS=(\d+)", start).group(1)) if "REPLICAS=" in start else 3
    log = (tmp_path / "make-cluster.log").open("wb")
    process = subprocess.Popen(
        ["sh", "-c", start], cwd=ROOT, env={**env, "PORT": str(port)}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    groups = {process.pid}

    def state() -> dict:
        try:
            found = json.loads((run_dir / "state.json").read_text())
        except (OSError, ValueError):
            return {}
        groups.update(p for p in [found.get("nginx_pid"), *(r["pid"] for r in found.get("replicas", []))] if p)
        return found

    def ready() -> bool:
        found = state()
        if not (found.get("nginx_pid") and len(found.get("replicas", [])) == replicas):
            return False
        try:
            return http_get(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        wait_until(ready, timeout=120, step=0.2)
        old = set(builds_of(state()))
        assert len(old) == 1 and None not in old
        for command in COMMANDS:
            if command == documented:
                continue
            done = subprocess.run(
                ["sh", "-c", command], cwd=ROOT, env=after_change, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        new = builds_of(state())
        assert len(set(new)) == 1 and set(new) != old, (old, new)
        _, _, body = http_get(f"http://127.0.0.1:{port}/statements?limit=100&q=rolling")
        assert marker.encode() in body
    finally:
        try:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the foreground group
            process.wait(timeout=40)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        deadline = time.monotonic() + 5
        while any(group_alive(g) for g in groups) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [g for g in groups if group_alive(g)]
        kill_groups_left(groups)  # the safety net, whatever happened
        process.wait()
        log.close()
    assert not left, f"Ctrl-C left process groups behind: {left}"
