"""Stage 4: rows into a new SQLite file, then indexes, full text and the actor tables; and the
atomic replace that makes a failed build leave the served database as it was."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from schemas.names import normalize_name

from . import state, tables
from .check import Record
from .index import CorpusIndex
from .render import csv_headers
from .state import DocumentState

SCHEMA_VERSION = "4"

# (role, (the record table, SQL selecting (actor id, date_sort, record id) for every record an
# actor has that role in)).
SCOPE_ROLES = {
    "speaker": (
        "statements",
        "SELECT x.actor_id, t.date_sort, t.id AS record_id FROM statement_speakers x "
        "JOIN statements t ON t.id = x.statement_id",
    ),
    "target": (
        "statements",
        "SELECT x.actor_id, t.date_sort, t.id AS record_id FROM statement_targets x "
        "JOIN statements t ON t.id = x.statement_id",
    ),
    "participant": (
        "events",
        "SELECT x.actor_id, t.date_sort, t.id AS record_id FROM event_participants x JOIN events t ON t.id = x.event_id",
    ),
    "party": ("casualties", "SELECT party_id AS actor_id, date_sort, id AS record_id FROM casualties"),
    "claimed_by": (
        "casualties",
        "SELECT claimed_by_id AS actor_id, date_sort, id AS record_id FROM casualties WHERE claimed_by_id IS NOT NULL",
    ),
}


# Roles whose records are also listed under each actor alone (as "<role>:own"): a speaker is
# reached through a link table (statements may have several), so no index on statements gives
# one speaker's statements in date order.
OWN_SCOPE_ROLES = ("speaker",)
# (role, (the link table filing records under place keys, the record table, its record column)).
PLACE_SCOPE_ROLES = {
    "event_place": ("event_places", "events", "event_id"),
    "casualty_place": ("casualty_places", "casualties", "casualty_id"),
}
# The temporary table of the sources whose records an incremental build replaces.
TOUCHED = "temp.touched_sources"


@contextlib.contextmanager
def atomic_output(out_path: Path) -> Iterator[Path]:
    """A temporary path beside ``out_path``, renamed over it only if the block succeeds: readers
    see the old file or the new one, never a part."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # sqlite-utils creates the file itself
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)  # atomic on POSIX
    finally:
        tmp.unlink(missing_ok=True)


class DatabaseWriter:
    """Writes the tables of a new database; tables are filled first and indexed at the end, which
    SQLite does fastest."""

    def __init__(self, path: Path):
        self.db = sqlite_utils.Database(str(path))
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144"):  # 256 MiB to sort in
            self.db.conn.execute(f"PRAGMA {pragma}")
        tables.create_tables(self.db)

    def insert(self, rows: list[tuple[str, list[tables.Row]]]) -> None:
        for table, table_rows in rows:
            if table_rows:
                self.db.conn.executemany(tables.INSERT[table], table_rows)

    def finish(
        self,
        index: CorpusIndex,
        actor_rows: list[Record],
        place_rows: list[Record],
        build_id: str,
        states: list[DocumentState],
        code_hash: str,
    ) -> dict[str, int]:
        """The actor and place tables, indexes, full text and metadata; returns the row counts."""
        db = self.db
        write_actors(db, index.actors, actor_rows)
        write_places(db, index.places, place_rows)
        tables.create_indexes(db)
        write_scopes(db)
        db.table("statements").enable_fts(["quote", "summary"], tokenize="unicode61 remove_diacritics 2")
        db.table("events").enable_fts(["title", "description"], tokenize="unicode61 remove_diacritics 2")
        state.create(db.conn)
        state.write(db.conn, states)
        counts = write_meta(db, build_id, date_spans(db), code_hash, index.registry_digest)
        db.conn.execute("ANALYZE")
        db.conn.commit()
        return counts

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.conn.close()

    def __enter__(self) -> DatabaseWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_actors(db: sqlite_utils.Database, actors: dict[str, Record], actor_rows: list[Record]) -> None:
    """Actors, their aliases, the affiliation tree and the prefix search over names."""
    db.table("actors").insert_all(actor_rows)
    db.table("aliases").insert_all(
        {"alias": alias, "alias_norm": normalize_name(alias), "actor_id": a["id"]}
        for a in actors.values()
        for alias in a["aliases"]
    )
    # The affiliation tree, pre-resolved: every (ancestor, descendant) pair, itself included.
    closure = []
    for actor_id in actors:
        node, depth = actor_id, 0
        while node is not None:
            closure.append({"actor_id": node, "affiliate_id": actor_id, "depth": depth})
            node, depth = actors[node]["affiliation"], depth + 1
    db.table("actor_affiliates").insert_all(closure)
    db.table("actor_affiliates").create_index(["affiliate_id", "actor_id"])
    # Prefix search over every word-start of every name and alias ("jong un" finds Kim Jong Un).
    search_rows = set()
    for actor in actors.values():
        for label in [actor["id"].replace("-", " "), actor["name"], *actor["aliases"]]:
            words = normalize_name(label).split()
            for k in range(len(words)):
                search_rows.add((" ".join(words[k:]), actor["id"]))
    db.table("actor_search").insert_all({"key": k, "actor_id": a} for k, a in sorted(search_rows))


def write_places(db: sqlite_utils.Database, places: dict[str, Record], place_rows: list[Record]) -> None:
    """Places (rows with their records, from render) and every name they go by (which places lie
    within which is in the records' place link tables, event_places and casualty_places)."""
    db.table("places").insert_all(place_rows)
    names: dict[str, dict[str, str]] = {}
    for p in places.values():
        for label in [p["name"], *p["aliases"], p["id"], p["id"].replace("-", " ")]:
            names.setdefault(
                normalize_name(label), {"name_norm": normalize_name(label), "name": label, "place_id": p["id"]}
            )
    db.table("place_names").insert_all(names.values())


def write_scopes(db: sqlite_utils.Database) -> None:
    """The records a filter that spans many values selects, keyed (role, scope, date_sort, id).

    ``actor=Seoul`` means South Korea and everything affiliated with it, and ``location=Kursk``
    every place in the Kursk region; as ``speaker IN (...)`` or ``place IN (...)`` that needs every
    match sorted by date before the first page can be cut (a temporary B-tree over 100k rows at 1M
    statements). This table holds, for every actor that has affiliates, its records and its
    affiliates' records, and for every place key, the records filed under it: a page is an index
    range, whatever the depth of the cursor.
    """
    db.execute(
        "CREATE TABLE scopes (role TEXT NOT NULL, scope_id TEXT NOT NULL, date_sort TEXT NOT NULL, "
        "record_id TEXT NOT NULL, PRIMARY KEY (role, scope_id, date_sort, record_id)) WITHOUT ROWID"
    )
    for select, params in scope_rows(touched_only=False):
        db.execute(f"INSERT OR IGNORE INTO scopes {select} ORDER BY 1, 2, 3, 4", params)


def scope_rows(*, touched_only: bool) -> list[tuple[str, list[str]]]:
    """SELECTs of the scopes table's rows (role, scope id, date_sort, record id), with their
    parameters: of every record, or (``touched_only``) of the records of the sources in
    ``TOUCHED`` only (an incremental build deletes those, then inserts them anew)."""

    def of(table: str, column: str) -> str:
        if not touched_only:
            return ""
        return f" WHERE {column} IN (SELECT id FROM {table} WHERE source_id IN (SELECT id FROM {TOUCHED}))"

    selects = []
    for role, (table, select) in SCOPE_ROLES.items():
        selects.append(
            (
                "SELECT ?, a.actor_id, r.date_sort, r.record_id FROM "
                f"(SELECT * FROM ({select}){of(table, 'record_id')}) AS r "
                "JOIN actor_affiliates a ON a.affiliate_id = r.actor_id "
                "WHERE a.actor_id IN (SELECT actor_id FROM actor_affiliates WHERE depth >= 1)",
                [role],
            )
        )
    for role in OWN_SCOPE_ROLES:
        table, select = SCOPE_ROLES[role]
        selects.append(
            (
                f"SELECT ?, r.actor_id, r.date_sort, r.record_id FROM ({select}) AS r{of(table, 'r.record_id')}",
                [f"{role}:own"],
            )
        )
    for role, (links, table, record) in PLACE_SCOPE_ROLES.items():
        selects.append(
            (
                f"SELECT ?, x.place_key, t.date_sort, t.id FROM {links} x JOIN {table} t ON t.id = x.{record}"
                + (f" WHERE t.source_id IN (SELECT id FROM {TOUCHED})" if touched_only else ""),
                [role],
            )
        )
    return selects


def write_meta(
    db: sqlite_utils.Database, build_id: str, spans: dict[str, int], code_hash: str, registry_digest: str
) -> dict[str, int]:
    """The meta table: build id and time, layout, counts, date spans, and what an incremental
    build checks before continuing from this one (the code and the registries it was built from)."""
    counts = {table: db.table(table).count for table in ("sources", "actors", "statements", "events", "casualties")}
    built_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    if db["meta"].exists():
        db.execute("DELETE FROM meta")
    db.table("meta").insert_all(
        [
            {"key": "build_id", "value": build_id},
            {"key": "built_at", "value": built_at},
            {"key": "schema_version", "value": SCHEMA_VERSION},
            {"key": "counts", "value": json.dumps(counts)},
            {"key": "date_spans", "value": json.dumps(spans)},
            {"key": "code_hash", "value": code_hash},
            {"key": "registry_digest", "value": registry_digest},
            {"key": "csv_headers", "value": json.dumps(csv_headers())},
        ],
        pk="key",
    )
    return counts


DATE_COLUMNS = {
    "statements": ("date_start", "date_end"),
    "events": ("date_start", "date_end"),
    "casualties": ("as_of_start", "as_of_end"),
    "sources": ("published_start", "published_end"),
}


def date_spans(db: sqlite_utils.Database, where: Callable[[str], str] | None = None) -> dict[str, int]:
    """Per table, the longest date range in days (date_end - date_start): it lets the API turn
    ``since`` into a lower bound on date_sort, which an index can seek. ``where``: the WHERE
    clause, per table, of the rows to measure (default: every row)."""
    spans: dict[str, Any] = {}
    for table, (start, end) in DATE_COLUMNS.items():
        sql = f"SELECT coalesce(max(julianday({end}) - julianday({start})), 0) FROM {table} {where(table) if where else ''}"
        spans[table] = int(db.execute(sql).fetchone()[0])
    return spans
