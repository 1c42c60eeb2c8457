"""The database layout: tables, the row each record becomes, and the indexes behind every filter.

Each table is declared once (``TABLES``: columns in order with their types, key, required columns,
foreign keys); ``create_tables`` creates them from it and ``INSERT`` fills them positionally from
the row builders of rows.py. The API reads these tables; tests/test_query_plans.py checks that every
filter and sort it offers is answered by an index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    columns: dict[str, type]  # in row order
    pk: str | tuple[str, ...]
    not_null: frozenset[str] = frozenset()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    row_built: bool = True  # filled positionally by a row builder here (else by write.py)
    # Rows carry an explicit rowid in date order (schemas/sort_keys.py), so that full-text
    # matches, which FTS5 lists in rowid order, come in date order.
    date_rowid: bool = False


def _required(*names: str) -> frozenset[str]:
    return frozenset(names)


TABLES: dict[str, Table] = {
    "places": Table(
        {
            "id": str,
            "name": str,
            "precision": str,
            "region": str,
            "country": str,
            "lat": float,
            "lon": float,
            "within_id": str,
            "wikidata": str,
            "body": str,
        },
        "id",
        _required("name", "precision", "country", "lat", "lon", "body"),
        (("within_id", "places", "id"),),
        row_built=False,
    ),
    "place_names": Table(
        {"name_norm": str, "name": str, "place_id": str},
        "name_norm",
        _required("name", "place_id"),
        (("place_id", "places", "id"),),
        row_built=False,
    ),
    "actors": Table(
        {
            "id": str,
            "name": str,
            "name_sort": str,
            "kind": str,
            "country": str,
            "title": str,
            "affiliation_id": str,
            "wikidata": str,
            "statement_count": int,
            "event_count": int,
            "body": str,
            "csv": str,
        },
        "id",
        _required("name", "name_sort", "kind", "body", "csv"),
        (("affiliation_id", "actors", "id"),),
        row_built=False,
    ),
    "aliases": Table(
        {"alias": str, "alias_norm": str, "actor_id": str},
        "alias_norm",
        _required("alias", "actor_id"),
        (("actor_id", "actors", "id"),),
        row_built=False,
    ),
    "actor_affiliates": Table(
        {"actor_id": str, "affiliate_id": str, "depth": int},
        ("actor_id", "affiliate_id"),
        foreign_keys=(("actor_id", "actors", "id"), ("affiliate_id", "actors", "id")),
        row_built=False,
    ),
    "actor_search": Table(
        {"key": str, "actor_id": str},
        ("key", "actor_id"),
        foreign_keys=(("actor_id", "actors", "id"),),
        row_built=False,
    ),
    "sources": Table(
        {
            "id": str,
            "position": int,
            "published_start": str,
            "published_end": str,
            "date_sort": str,
            "outlet_id": str,
            "sha256": str,
            "body": str,
            "text_body": str,
        },
        "id",
        _required("position", "date_sort", "sha256", "body", "text_body"),
        (("outlet_id", "actors", "id"),),
    ),
    "events": Table(
        {
            "id": str,
            "type": str,
            "status": str,
            "certainty": str,
            "title": str,
            "description": str,
            "plover": str,
            "place_id": str,
            "date_start": str,
            "date_end": str,
            "date_sort": str,
            "source_id": str,
            "body": str,
            "csv": str,
        },
        "id",
        _required("type", "status", "certainty", "title", "description", "date_sort", "source_id", "body", "csv"),
        (("source_id", "sources", "id"), ("place_id", "places", "id")),
        date_rowid=True,
    ),
    # Every key a location filter may name, per record: its place, each place it lies within, and
    # the region and country codes (RU-KRS, RU); so location= is one index key, however wide
    # (casualty_places, the same for casualties, comes after that table).
    "event_places": Table(
        {"place_key": str, "event_id": str},
        ("place_key", "event_id"),
        foreign_keys=(("event_id", "events", "id"),),
    ),
    "event_participants": Table(
        {"event_id": str, "actor_id": str, "role": str},
        ("event_id", "actor_id", "role"),
        foreign_keys=(("event_id", "events", "id"), ("actor_id", "actors", "id")),
    ),
    "event_claimants": Table(
        {"event_id": str, "actor_id": str},
        ("event_id", "actor_id"),
        foreign_keys=(("event_id", "events", "id"), ("actor_id", "actors", "id")),
    ),
    "event_sources": Table(
        {"event_id": str, "source_id": str, "span_start": int, "span_end": int},
        ("event_id", "source_id", "span_start"),
        foreign_keys=(("event_id", "events", "id"), ("source_id", "sources", "id")),
    ),
    "event_relations": Table(
        {"event_id": str, "related_id": str},
        ("event_id", "related_id"),
        foreign_keys=(("event_id", "events", "id"), ("related_id", "events", "id")),
    ),
    "statements": Table(
        {
            "id": str,
            "stance": str,
            "kind": str,
            "event_id": str,
            "source_id": str,
            "quote": str,
            "summary": str,
            "date_start": str,
            "date_end": str,
            "date_sort": str,
            "span_start": int,
            "span_end": int,
            "body": str,
            "csv": str,
        },
        "id",
        _required("stance", "kind", "source_id", "summary", "date_sort", "span_start", "span_end", "body", "csv"),
        (("event_id", "events", "id"), ("source_id", "sources", "id")),
        date_rowid=True,
    ),
    "statement_speakers": Table(
        {"statement_id": str, "actor_id": str, "position": int},
        ("statement_id", "actor_id"),
        foreign_keys=(("statement_id", "statements", "id"), ("actor_id", "actors", "id")),
    ),
    "statement_targets": Table(
        {"statement_id": str, "actor_id": str},
        ("statement_id", "actor_id"),
        foreign_keys=(("statement_id", "statements", "id"), ("actor_id", "actors", "id")),
    ),
    "casualties": Table(
        {
            "id": str,
            "party_id": str,
            "claimed_by_id": str,
            "category": str,
            "qualifier": str,
            "value": int,
            "low": int,
            "high": int,
            "as_of_start": str,
            "as_of_end": str,
            "date_sort": str,
            "place_id": str,
            "part_of_id": str,
            "statement_id": str,
            "source_id": str,
            "span_start": int,
            "span_end": int,
            "body": str,
            "csv": str,
        },
        "id",
        _required("party_id", "category", "qualifier", "value", "date_sort", "source_id", "body", "csv"),
        (
            ("party_id", "actors", "id"),
            ("claimed_by_id", "actors", "id"),
            ("place_id", "places", "id"),
            ("part_of_id", "casualties", "id"),
            ("statement_id", "statements", "id"),
            ("source_id", "sources", "id"),
        ),
    ),
    "casualty_places": Table(
        {"place_key": str, "casualty_id": str},
        ("place_key", "casualty_id"),
        foreign_keys=(("casualty_id", "casualties", "id"),),
    ),
}
INSERT = {
    name: f"INSERT INTO {name} ({'rowid, ' if t.date_rowid else ''}{', '.join(t.columns)}) "
    f"VALUES ({', '.join('?' * (len(t.columns) + t.date_rowid))})"
    for name, t in TABLES.items()
    if t.row_built
}


def create_tables(db: sqlite_utils.Database) -> None:
    for name, t in TABLES.items():
        db.table(name).create(
            t.columns,
            pk=t.pk,
            not_null=set(t.not_null),
            foreign_keys=list(t.foreign_keys),  # type: ignore[arg-type]
        )


def create_indexes(db: sqlite_utils.Database) -> None:
    """An index behind every filter and sort the API offers (tests check the query plans)."""
    for table in ("statements", "events", "casualties", "sources"):
        db.table(table).create_index(["date_sort", "id"])
    for column in ("stance", "kind", "event_id", "source_id"):
        db.table("statements").create_index([column, "date_sort", "id"])
    db.table("statements").create_index(["date_end"])
    db.table("statement_speakers").create_index(["actor_id", "statement_id"])
    db.table("statement_targets").create_index(["actor_id", "statement_id"])
    for column in ("type", "status", "certainty", "plover", "source_id", "place_id"):
        db.table("events").create_index([column, "date_sort", "id"])
    db.table("event_participants").create_index(["actor_id", "event_id"])
    db.table("event_participants").create_index(["actor_id", "role", "event_id"])  # actor= with role=
    db.table("event_claimants").create_index(["actor_id", "event_id"])
    db.table("event_sources").create_index(["source_id", "event_id"])
    for column in ("party_id", "claimed_by_id", "category", "source_id"):
        db.table("casualties").create_index([column, "date_sort", "id"])
    db.table("actors").create_index(["name_sort", "id"])
    for column in ("kind", "country", "affiliation_id"):
        db.table("actors").create_index([column, "name_sort", "id"])
    db.table("actor_search").create_index(["actor_id"])
