"""Fixtures of the cluster tests: clusters on private copies of the session's database, every one
stopped (and checked to have left no process behind) at the end of the test."""

from __future__ import annotations

import shutil
import time

import pytest

from .helpers import Cluster, group_alive


@pytest.fixture()
def start_cluster(built_db, tmp_path):
    clusters: list[Cluster] = []

    def start(replicas: int = 3, rate_limit: int = 0, rate_burst: int = 100) -> Cluster:
        database = tmp_path / f"corpus-{len(clusters)}.db"
        shutil.copy(built_db, database)
        cluster = Cluster(database, tmp_path / f"run-{len(clusters)}", replicas, rate_limit, rate_burst)
        clusters.append(cluster)
        return cluster

    yield start
    for cluster in clusters:
        cluster.stop()
    deadline = time.monotonic() + 5  # SIGKILLed processes vanish once reaped
    while any(group_alive(g) for c in clusters for g in c.groups) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {g for c in clusters for g in c.groups if group_alive(g)}
    assert not left, f"process groups left behind: {left}"
