"""Fixtures of the reliability tests; the database, app, client and live server come from tests/conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.live_server import LiveServer


@pytest.fixture(scope="session")
def sample_ids(app) -> dict[str, list[str]]:
    """Real ids of every resource (up to 20 each), read through the API."""
    client = app.test_client()
    ids = {}
    for resource in ("statements", "events", "casualties", "actors", "sources"):
        response = client.get(f"/{resource}?limit=20")
        assert response.status_code == 200
        ids[resource] = [record["id"] for record in response.get_json()["data"]]
    return ids


@pytest.fixture()
def live_server_factory(built_db, tmp_path):
    """Start gunicorn servers on a private copy of the database; all are stopped afterwards."""
    servers = []

    def start(workers: int = 2, env=None, database: Path | None = None):
        if database is None:
            database = tmp_path / f"served-{len(servers)}.db"
            shutil.copy(built_db, database)
        server = LiveServer(database, workers=workers, env=env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
