"""Fixtures: every test database is built from seeds/ by the real build, in a temporary folder."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from api import create_app
from data.build import build_database
from scripts.live_server import LiveServer

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


def generate_seeds(statements: int, seed: int, folder: Path) -> Path:
    """A synthetic corpus in the seeds/ format (bench/generate.py), written to ``folder``."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # its worker processes pickle functions by module name
    spec.loader.exec_module(generate)
    generate.generate(statements, seed, folder)
    return folder


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
# A live production server (gunicorn) on 127.0.0.1, for tests that must talk HTTP for real. The
# launcher is scripts/live_server.py, shared with scripts/soak.py and bench/run.py. Every test that
# uses a fixture below is marked `live` (see pytest_collection_modifyitems): `make test-fast` skips it.

LIVE_FIXTURES = {"live_server", "live_server_factory"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if LIVE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def live_server(built_db):
    with LiveServer(built_db) as server:
        yield server
