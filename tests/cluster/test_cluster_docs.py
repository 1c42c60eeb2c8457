"""The cluster commands of docs/operating.md, run as written through make: `make cluster` in the
foreground, then, in another shell after an article changed, `make deploy-data` and `make
cluster-status`; the end is Ctrl-C (SIGINT to the foreground process group). Only the port is
replaced (by a free one), and the data's place is the test's (ANCHORED_NEWS_DATABASE,
ANCHORED_NEWS_SEEDS, CLUSTER_RUN_DIR), never the repository's seeds/ or data/.

The changed seeds (ANCHORED_NEWS_SEEDS) go only to the commands after `make cluster`: `make
cluster` builds its database first when make finds it stale (a fresh clone), and that build must
not already hold the change that `make deploy-data` is to deploy."""

from __future__ import annotations

import re
import signal
import subprocess

import pytest

from data.build import build_database
from scripts.live_server import ROOT

from ..conftest import SEEDS
from ..doc_blocks import blocks, commands
from .helpers import Cluster, http_get
from .test_cluster import builds_of, changed_seeds

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
    documented = next(c for c in COMMANDS if re.search(r"\bmake cluster(\s|$)", c))
    replicas = int(re.search(r"\bREPLICAS=(\d+)", documented).group(1)) if "REPLICAS=" in documented else 3
    cluster = Cluster(
        database, tmp_path / "run", replicas, shell=lambda port: re.sub(r"\bPORT=\d+", f"PORT={port}", documented)
    )
    try:
        old = set(builds_of(cluster.state()))
        assert len(old) == 1 and None not in old
        after_change = {**cluster.env, "ANCHORED_NEWS_SEEDS": str(seeds)}  # for the commands after `make cluster`
        for command in COMMANDS:
            if command == documented:
                continue
            done = subprocess.run(
                ["sh", "-c", command], cwd=ROOT, env=after_change, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        new = builds_of(cluster.state())
        assert len(set(new)) == 1 and set(new) != old, (old, new)
        _, _, body = http_get(f"{cluster.url}/statements?limit=100&q=rolling")
        assert marker.encode() in body
    finally:
        cluster.stop(signal.SIGINT, group=True)  # Ctrl-C: the terminal signals the foreground group
    assert not cluster.left, f"Ctrl-C left process groups behind: {cluster.left}"
