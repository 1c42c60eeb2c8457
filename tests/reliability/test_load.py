"""The short (10 s) version of scripts/soak.py: 64 connections on gunicorn, zero errors, flat RSS."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from ..conftest import ROOT


def load_soak():
    spec = importlib.util.spec_from_file_location("soak", ROOT / "scripts" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.live
def test_ten_seconds_of_64_connections_without_an_error(built_db, tmp_path):
    assert shutil.which("wrk"), "wrk is missing: `make test` installs it (mk/reliability.mk)"
    soak = load_soak()
    database = tmp_path / "corpus.db"
    shutil.copy(built_db, database)
    lines = []
    result = soak.soak(database, duration=10, connections=64, threads=2, workers=2, warmup=3, log=lines.append)
    print("\n" + "\n".join(lines))
    assert result["requests"] > 1000, lines
    assert result["failures"] == 0, lines
    assert set(result["statuses"]) == {200}, lines
    assert result["workers_before"] == result["workers_after"] and len(result["workers_after"]) == 2
    for pid, worker in result["rss"].items():
        assert worker["change"] is not None and abs(worker["change"]) <= soak.RSS_TOLERANCE, (pid, worker)
    assert result["passed"]


def test_the_soak_counts_failures():
    """The pass/fail arithmetic of the soak itself: any socket error or non-200 is a failure."""
    soak = load_soak()
    clean = {"errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}, "statuses": {200: 5}}
    assert soak.failures(clean) == 0
    assert soak.failures({**clean, "errors": {**clean["errors"], "read": 2}}) == 2
    assert soak.failures({**clean, "statuses": {200: 5, 503: 1}, "errors": {**clean["errors"], "status": 1}}) == 2
    assert soak.failures({**clean, "statuses": {200: 5, 304: 1}}) == 1
    samples = [(t, 7, 100_000) for t in range(0, 10)] + [(t, 7, 120_000) for t in range(10, 20)]
    assert soak.rss_by_worker(samples, 0, 19)[7]["change"] > soak.RSS_TOLERANCE
