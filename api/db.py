"""The read-only database: opening it, checking it, and what is pre-resolved at start-up.

Like flaskr's ``db`` module: ``get_db()`` returns the database for this request, ``close_db`` is
registered on app teardown. (The file is built by ``flask build-db``: see data/cli.py.) Unlike flaskr, one
connection per worker thread is kept open between requests: the file is immutable, and opening it
per request would cost more than most queries.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import click
from flask import current_app, g

from schemas.names import normalize_name

SQLITE_MAGIC = b"SQLite format 3\x00"
# The layout of the tables this API reads; the build writes the same number (data/build/write.py),
# and a test keeps the two equal.
SCHEMA_VERSION = "4"
# The `flask` commands that replace the database or add to the seeds (registered by data/cli.py).
REBUILD_COMMANDS = ("build-db", "new-source")
QUICK_CHECK_MAX_BYTES = 256 * 2**20


def _per_os_thread():
    """Storage per OS thread. Under gunicorn's gevent worker (`make serve`) ``threading.local`` is
    per greenlet, i.e. per client connection, which would open a connection each; the original is
    per OS thread, and its greenlets share one safely (one runs at a time, a query never yields)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a runtime dependency
        return threading.local()
    return monkey.get_original("threading", "local")() if monkey.is_module_patched("threading") else threading.local()


class DatabaseUnavailable(Exception):
    """There is no database to serve (not built yet); the API answers 503."""


class DatabaseCorrupt(Exception):
    """The file is there but is not a database this API can serve."""


def check_file(path: Path) -> None:
    """Cheap structural checks that catch a truncated or foreign file before serving it."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise DatabaseCorrupt(f"{path}: cannot be read: {exc}") from None
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise DatabaseCorrupt(f"{path}: not an SQLite database (bad header); rebuild it with `make db`")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    if page_count and page_size * page_count != size:
        raise DatabaseCorrupt(
            f"{path}: truncated or damaged: the header says {page_size * page_count} bytes, the file has {size}; "
            "rebuild it with `make db`"
        )


class Database:
    """One built database file, opened read-only, with its actor tables pre-resolved."""

    def __init__(self, path: Path):
        self.path = Path(path)
        st = self.path.stat()
        self.identity = (st.st_ino, st.st_mtime_ns, st.st_size)
        check_file(self.path)
        self._local = _per_os_thread()
        self._counts: OrderedDict = OrderedDict()
        self.memo: dict = {}  # what the request path derives from this immutable file, kept per worker
        try:
            conn = self.connection()
            # Every b-tree page read once (~50 ms for 50 MB cached): damage inside the file is found
            # here, at start, rather than as 503s on whichever queries touch the damaged pages.
            # Bigger files (synthetic benchmarks) would keep a worker from booting within gunicorn's
            # timeout when not cached; they get the header and size checks only.
            if st.st_size <= QUICK_CHECK_MAX_BYTES:
                damage = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
                if damage != ["ok"]:
                    raise DatabaseCorrupt(f"{self.path}: damaged: {'; '.join(damage)}; rebuild it with `make db`")
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta.get("schema_version") != SCHEMA_VERSION:
                raise DatabaseCorrupt(
                    f"{self.path}: built for database schema {meta.get('schema_version')}, this API reads schema "
                    f"{SCHEMA_VERSION}; rebuild it with `make db`"
                )
            self.build_id = meta["build_id"]
            self.built_at = meta["built_at"]
            self.counts = json.loads(meta["counts"])
            # Absent from databases built before they were recorded: the API then does without.
            self.date_spans = json.loads(meta.get("date_spans", "{}"))
            # The header of the CSV rows the build stored, by table (exports stream them under it).
            self.csv_headers: dict[str, str] = json.loads(meta.get("csv_headers", "{}"))
            self._load_actors(conn)
            self._load_places(conn)
        except (sqlite3.DatabaseError, KeyError, ValueError) as exc:
            raise DatabaseCorrupt(f"{self.path}: cannot be served: {exc}; rebuild it with `make db`") from None

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # mode=ro: nothing can write through this connection. immutable=1: the build never
            # changes a file in place (it renames a new one over it), so SQLite may skip locking.
            uri = f"file:{self.path.resolve()}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
        return conn

    def execute(self, sql: str, params=()):
        return self.connection().execute(sql, params)

    def _load_actors(self, conn) -> None:
        """Every name, alias and id, and the affiliation tree, kept in memory for resolution."""
        self.actor_refs = {}
        self.lookup = {}
        for actor_id, name, kind, country in conn.execute("SELECT id, name, kind, country FROM actors"):
            self.actor_refs[actor_id] = {"id": actor_id, "name": name, "kind": kind, "country": country}
            self.lookup[normalize_name(actor_id)] = actor_id
            self.lookup[normalize_name(name)] = actor_id
        for alias_norm, actor_id in conn.execute("SELECT alias_norm, actor_id FROM aliases"):
            self.lookup[alias_norm] = actor_id
        self.affiliates: dict[str, list[str]] = {actor_id: [] for actor_id in self.actor_refs}
        for actor_id, affiliate_id in conn.execute(
            "SELECT actor_id, affiliate_id FROM actor_affiliates ORDER BY actor_id, depth, affiliate_id"
        ):
            self.affiliates[actor_id].append(affiliate_id)
        # The actors each actor is affiliated with, nearest first (the tree read upwards).
        self.ancestors: dict[str, list[str]] = {actor_id: [] for actor_id in self.actor_refs}
        for actor_id, affiliate_id in conn.execute(
            "SELECT actor_id, affiliate_id FROM actor_affiliates WHERE depth > 0 ORDER BY depth, actor_id"
        ):
            self.ancestors[affiliate_id].append(actor_id)

    def _load_places(self, conn) -> None:
        """Every name of every place (the registry is small), for ``location=``."""
        self.place_names: list[tuple[str, str]] = list(conn.execute("SELECT name, place_id FROM place_names"))
        self.place_lookup = {normalize_name(name): place_id for name, place_id in self.place_names}
        self.places: dict[str, tuple[str, str]] = {}  # id -> (name, precision)
        self.place_codes: dict[str, set[str]] = {}  # id -> its region and country codes
        within: dict[str, str | None] = {}
        for place_id, name, precision, region, country, within_id in conn.execute(
            "SELECT id, name, precision, region, country, within_id FROM places"
        ):
            self.places[place_id] = (name, precision)
            self.place_codes[place_id] = {c for c in (region, country) if c}
            within[place_id] = within_id
        # id -> every place inside it, at any depth
        self.places_within: dict[str, list[str]] = {place_id: [] for place_id in self.places}
        for place_id in sorted(self.places):
            parent = within[place_id]
            while parent is not None:
                self.places_within[parent].append(place_id)
                parent = within[parent]

    def cached(self, key, compute):
        """What an aggregate (a total, facet counts) gives never changes for a given filter in an
        immutable database; keep the recent ones (``compute()`` when not kept)."""
        if key in self._counts:
            self._counts.move_to_end(key)
            return self._counts[key]
        value = self._counts[key] = compute()
        if len(self._counts) > 4096:
            self._counts.popitem(last=False)
        return value

    def remember(self, key, compute):
        """What the request path derives from this immutable file and a parameter's value (what a
        name resolves to, its dump): kept per worker, forgotten all at once when there are many."""
        value = self.memo.get(key)
        if value is None:
            if len(self.memo) > 4096:
                self.memo.clear()
            value = self.memo[key] = compute()
        return value

    def cached_count(self, key, sql, params) -> int:
        return int(self.cached(key, lambda: self.execute(sql, params).fetchone()[0]))

    def is_current(self) -> bool:
        try:
            st = self.path.stat()
        except OSError:
            return False
        return (st.st_ino, st.st_mtime_ns, st.st_size) == self.identity


class DatabaseHolder:
    """Holds the app's current Database and swaps in a rebuilt file when one appears."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self.current: Database | None = None

    def open_if_present(self) -> None:
        if self.path.exists():
            self.current = Database(self.path)

    def get(self) -> Database:
        db = self.current
        if db is not None and db.is_current():
            return db
        with self._lock:
            db = self.current
            if db is not None and db.is_current():
                return db
            if not self.path.exists():
                if db is not None:
                    return db  # keep serving what we have open rather than fail
                raise DatabaseUnavailable(f"no database at {self.path}; build it with `make db`")
            try:
                self.current = Database(self.path)
            except (OSError, DatabaseCorrupt):
                if db is None:
                    raise
                # A half-copied or damaged replacement: keep serving the last good database.
                current_app.logger.exception("new database at %s cannot be served; keeping the old one", self.path)
                return db
            return self.current


def get_db() -> Database:
    if "db" not in g:
        g.db = current_app.extensions["anchored_news_db"].get()
    return g.db


def close_db(e=None) -> None:
    # Connections stay open per worker thread (see the module docstring); only the request's
    # reference is dropped.
    g.pop("db", None)


def init_app(app) -> None:
    holder = DatabaseHolder(app.config["DATABASE"])
    # A missing database is served as 503 until it is built; a corrupt one stops the start here,
    # with the reason, rather than failing request by request. Except for the commands that write
    # the seeds or the database (data/cli.py): they must work over a stale or damaged file.
    try:
        holder.open_if_present()
    except DatabaseCorrupt as exc:
        command = click.get_current_context(silent=True)
        if command is None or command.info_name not in REBUILD_COMMANDS:
            raise
        app.logger.warning("%s", exc)
    app.extensions["anchored_news_db"] = holder
    app.teardown_appcontext(close_db)
