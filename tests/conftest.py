"""Fixtures: every test database is built from seeds/ by the real build, in a temporary folder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from api import create_app
from data.build import build_database

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The seed corpus, built once per test session."""
    path = tmp_path_factory.mktemp("db") / "corpus.db"
    build_database(SEEDS, path)
    return path


@pytest.fixture(scope="session")
def app(built_db):
    return create_app({"TESTING": True, "DATABASE": str(built_db)})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def seeds_copy(tmp_path) -> Path:
    """A private copy of seeds/ that a test may break."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()


def get_all(client, url) -> list[dict]:
    """Every record of a list, following next_cursor."""
    records, seen = [], 0
    while url:
        body = get_json(client, url)
        records.extend(body["data"])
        url = body["links"]["next"]
        seen += 1
        assert seen < 1000, "pagination does not end"
    return records


# --------------------------------------------------------------------------------------------
# A live production server (gunicorn) on 127.0.0.1, for tests that must talk HTTP for real.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving ``create_app()`` on 127.0.0.1 with the given database; stopped by ``stop``."""

    def __init__(self, database: Path, workers: int = 2, extra_args=(), env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(database).with_suffix(f".{self.port}.log")
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config", str(ROOT / "api" / "gunicorn_conf.py"),
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            *extra_args,
            "api:create_app()",
        ]
        full_env = {**os.environ, "ANCHORED_NEWS_DATABASE": str(database), **(env or {})}
        self._log_fh = self.log.open("wb")
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=self._log_fh, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # it answers (e.g. 503 without a database): it is up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def worker_pids(self) -> list[int]:
        """The pids of the gunicorn workers (the master's children), from /proc."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(pid) for pid in children.read_text().split())
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_fh.close()


@pytest.fixture(scope="session")
def live_server(built_db):
    server = LiveServer(built_db)
    yield server
    server.stop()
