"""An export that streams for longer than gunicorn's worker timeout still arrives whole: a sync
worker is killed `timeout` seconds into any response unless it tells the arbiter it is alive,
which an export does batch by batch (api/exports.py, api/gunicorn_conf.py)."""

from __future__ import annotations

import csv
import io
import json
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from data.build import build_database
from scripts.live_server import LiveServer
from tests.conftest import generate_seeds

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def large_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long-export")
    generate_seeds(20_000, 5, folder / "seeds")
    build_database(folder / "seeds", folder / "corpus.db")
    return folder / "corpus.db"


def test_an_export_longer_than_the_worker_timeout_arrives_whole(large_db):
    with LiveServer(large_db, workers=1, extra_args=["--timeout", "2"]) as server:
        first = json.loads(urllib.request.urlopen(f"{server.url}/statements?limit=1", timeout=30).read())
        total = first["meta"]["total"]
        started = time.monotonic()
        chunks = []
        with urllib.request.urlopen(f"{server.url}/statements.csv", timeout=120) as response:
            # Read at a few MB/s, like a client on a modest link: the export then lasts longer than
            # the worker timeout however fast the server writes it.
            while chunk := response.read(128 * 1024):
                chunks.append(chunk)
                time.sleep(0.03)
        body = b"".join(chunks).decode("utf-8")
        took = time.monotonic() - started
    rows = list(csv.reader(io.StringIO(body)))
    assert took > 2.5, f"the export took {took:.1f} s: too fast to prove anything about a 2 s timeout"
    assert len(rows) == total + 1  # the header, then every statement
    assert "WORKER TIMEOUT" not in Path(server.log).read_text(encoding="utf-8")


def test_a_client_that_stops_reading_is_dropped_after_the_send_timeout(large_db):
    """Under gevent (`make serve`) a response waiting on a client that reads nothing would hold its
    connection forever: SEND_TIMEOUT drops it, and the worker serves others meanwhile."""
    with LiveServer(large_db, workers=1, env={"SEND_TIMEOUT": "2"}) as server:
        total = len(urllib.request.urlopen(f"{server.url}/statements.ndjson", timeout=60).read())
        stalled = socket.create_connection(("127.0.0.1", server.port))
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(b"GET /statements.ndjson HTTP/1.1\r\nHost: x\r\n\r\n")
        latencies = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:  # the worker answers others while one send waits
            started = time.monotonic()
            urllib.request.urlopen(f"{server.url}/health", timeout=5).read()
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
        received = 0
        stalled.settimeout(5)
        try:
            while chunk := stalled.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass
        stalled.close()
    assert max(latencies) < 0.5, max(latencies)
    assert 0 < received < total, (received, total)  # cut short: the server closed it
