"""The data cannot be written through the API: the app's own connection refuses every write."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from api import create_app
from api.db import get_db

from .helpers import LIST_OPERATIONS

WRITES = [
    "INSERT INTO meta (key, value) VALUES ('x', 'y')",
    "UPDATE meta SET value = 'forged' WHERE key = 'build_id'",
    "DELETE FROM statements",
    "DROP TABLE statements",
    "CREATE TABLE pwned (a)",
    "CREATE TEMP TABLE pwned (a)",
    "ALTER TABLE meta ADD COLUMN x",
    "CREATE INDEX pwned_ix ON meta (value)",
    "PRAGMA user_version = 42",
    "VACUUM",
    "REINDEX",
    "INSERT INTO statements_fts (statements_fts) VALUES ('rebuild')",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_connection_is_read_only_and_query_only(app, built_db):
    before = sha256(built_db)
    with app.app_context():
        db = get_db()
        conn = db.connection()
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
        build_id = db.build_id
        for sql in WRITES:
            with pytest.raises(sqlite3.OperationalError) as refused:
                try:
                    conn.execute(sql)
                finally:
                    conn.rollback()
            assert re.search(r"readonly|read-only|query_only|not authorized|attempt to write", str(refused.value)), sql
        # Even with query_only switched off, the file is opened mode=ro: writes still fail.
        conn.execute("PRAGMA query_only = OFF")
        try:
            for sql in WRITES[:5]:
                with pytest.raises(sqlite3.OperationalError, match="readonly"):
                    try:
                        conn.execute(sql)
                    finally:
                        conn.rollback()
        finally:
            conn.execute("PRAGMA query_only = ON")
        assert conn.execute("SELECT value FROM meta WHERE key = 'build_id'").fetchone()[0] == build_id
    assert sha256(built_db) == before


def test_an_attached_database_cannot_be_written_either(app, tmp_path):
    target = tmp_path / "attached.db"
    with app.app_context():
        conn = get_db().connection()
        try:
            conn.execute("ATTACH DATABASE ? AS other", (str(target),))
        except sqlite3.OperationalError:
            pass  # refusing to attach at all is as good
        else:
            try:
                with pytest.raises(sqlite3.OperationalError):
                    conn.execute("CREATE TABLE other.t (a)")
            finally:
                conn.execute("DETACH DATABASE other")
    assert not target.exists() or target.stat().st_size == 0


MARKER = "Zq9'mk\"r"


class RecordingConnection(sqlite3.Connection):
    statements: list = []

    def execute(self, sql, parameters=()):
        RecordingConnection.statements.append((sql, tuple(parameters)))
        return super().execute(sql, parameters)


def test_request_values_reach_sql_only_as_parameters(built_db, monkeypatch):
    """Every value of every parameter travels as a bound parameter, never inside the SQL text."""
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **kw: real_connect(*a, factory=RecordingConnection, **kw))
    app = create_app({"TESTING": True, "DATABASE": str(built_db)})
    client = app.test_client()
    RecordingConnection.statements.clear()
    sent = 0
    for path, schema in LIST_OPERATIONS.items():
        for name, field in schema().fields.items():
            free_text = type(field).__name__ == "Param" or type(getattr(field, "inner", None)).__name__ == "Param"
            if not free_text or name == "cursor":
                continue
            response = client.get(path + "?" + urlencode({name: MARKER}))
            assert response.status_code == 200, (path, name, response.get_data(as_text=True))
            sent += 1
        sort = "name" if path == "/actors" else "date"
        cursor = base64.urlsafe_b64encode(json.dumps([sort, MARKER, MARKER]).encode()).decode().rstrip("=")
        assert client.get(f"{path}?sort={sort}&cursor={cursor}").status_code == 200
        sent += 1
    for resource in ("statements", "events", "casualties", "actors", "sources"):
        assert client.get(f"/{resource}/" + quote(MARKER, safe="")).status_code == 404
        sent += 1
    statements = RecordingConnection.statements
    assert sent > 20 and len(statements) >= 10
    assert not [sql for sql, _ in statements if "Zq9" in sql]
    as_parameters = [p for _, params in statements for p in params if isinstance(p, str) and "Zq9" in p]
    assert len(as_parameters) >= 10  # the values did reach the database, as parameters


def test_writes_through_http_are_impossible(client):
    for method in ("post", "put", "patch", "delete"):
        for path in ("/statements", "/actors", "/statements/x", "/health"):
            response = getattr(client, method)(path, json={"id": "x", "quote": "forged"})
            assert response.status_code == 405
