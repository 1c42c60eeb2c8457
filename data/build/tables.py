"""The database layout: tables, the row each record becomes, and the indexes behind every filter.

The API reads these tables; tests/test_query_plans.py checks that every filter and sort it offers
is answered by an index.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from .check import CheckedDocument, Record

Row = tuple[Any, ...]

# Columns of the record tables, in order (rows below fill them positionally).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": (
        "id",
        "position",
        "published_start",
        "published_end",
        "date_sort",
        "outlet_id",
        "sha256",
        "body",
        "text_body",
    ),
    "events": (
        "id",
        "type",
        "status",
        "certainty",
        "title",
        "description",
        "plover",
        "place_id",
        "date_start",
        "date_end",
        "date_sort",
        "source_id",
        "body",
    ),
    "event_participants": ("event_id", "actor_id", "role"),
    "event_claimants": ("event_id", "actor_id"),
    "event_sources": ("event_id", "source_id", "span_start", "span_end"),
    "event_relations": ("event_id", "related_id"),
    "statements": (
        "id",
        "stance",
        "kind",
        "event_id",
        "source_id",
        "quote",
        "summary",
        "date_start",
        "date_end",
        "date_sort",
        "span_start",
        "span_end",
        "body",
    ),
    "statement_speakers": ("statement_id", "actor_id", "position"),
    "statement_targets": ("statement_id", "actor_id"),
    "casualties": (
        "id",
        "party_id",
        "claimed_by_id",
        "category",
        "qualifier",
        "value",
        "low",
        "high",
        "as_of_start",
        "as_of_end",
        "date_sort",
        "place_id",
        "part_of_id",
        "statement_id",
        "source_id",
        "span_start",
        "span_end",
        "body",
    ),
}
INSERT = {
    table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for table, columns in COLUMNS.items()
}


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def date_sort(day: dt.date | None) -> str:
    """The sort key of a date: unknown dates are '', first ascending and last descending."""
    return day.isoformat() if day else ""


def source_row(checked: CheckedDocument, position: int, body: str, text_body: str) -> Row:
    source, doc, published = checked.source, checked.source.document, checked.published
    return (
        source.id,
        position,
        iso(published.start),
        iso(published.end),
        date_sort(published.start),
        doc["outlet"],
        source.sha256,
        body,
        text_body,
    )


def event_rows(ev: Record, plover: str | None, body: str) -> list[tuple[str, list[Row]]]:
    when = ev["when"]
    place = ev["location"]["place"] if ev["location"] else None
    return [
        (
            "events",
            [
                (
                    ev["id"],
                    ev["type"],
                    ev["status"],
                    ev["certainty"],
                    ev["title"],
                    ev["description"],
                    plover,
                    place,
                    iso(when.start),
                    iso(when.end),
                    date_sort(when.start),
                    ev["source_id"],
                    body,
                )
            ],
        ),
        ("event_participants", [(ev["id"], p["actor"], p["role"]) for p in ev["participants"]]),
        ("event_claimants", [(ev["id"], a) for a in dict.fromkeys(ev["asserted_by"])]),
        ("event_sources", [(ev["id"], s.source_id, s.span.start, s.span.end) for s in ev["supports"]]),
        ("event_relations", [(ev["id"], related) for related in ev["related"]]),
    ]


def statement_rows(st: Record, body: str) -> list[tuple[str, list[Row]]]:
    when = st["when"]
    return [
        (
            "statements",
            [
                (
                    st["id"],
                    st["stance"],
                    st["kind"],
                    st["event"],
                    st["source_id"],
                    st["quote"],
                    st["summary"],
                    iso(when.start),
                    iso(when.end),
                    date_sort(when.start),
                    st["span"].start,
                    st["span"].end,
                    body,
                )
            ],
        ),
        (
            "statement_speakers",
            [(st["id"], a, i) for i, a in enumerate(dict.fromkeys(s["actor"] for s in st["speakers"]))],
        ),
        ("statement_targets", [(st["id"], t) for t in dict.fromkeys(st["targets"])]),
    ]


def casualty_rows(c: Record, body: str) -> list[tuple[str, list[Row]]]:
    as_of = c["as_of_range"]
    return [
        (
            "casualties",
            [
                (
                    c["id"],
                    c["party"],
                    c["claimed_by"],
                    c["category"],
                    c["qualifier"],
                    c["value"],
                    c["low"],
                    c["high"],
                    iso(as_of.start),
                    iso(as_of.end),
                    date_sort(as_of.start),
                    c["location"]["place"] if c["location"] else None,
                    c["part_of"],
                    c["statement"],
                    c["source_id"],
                    c["span"].start,
                    c["span"].end,
                    body,
                )
            ],
        ),
    ]


def create_tables(db: sqlite_utils.Database) -> None:
    db.table("places").create(
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
        },
        pk="id",
        not_null={"name", "precision", "country", "lat", "lon"},
        foreign_keys=[("within_id", "places", "id")],
    )
    db.table("place_names").create(
        {"name_norm": str, "name": str, "place_id": str},
        pk="name_norm",
        not_null={"name", "place_id"},
        foreign_keys=[("place_id", "places", "id")],
    )
    db.table("place_within").create(
        {"place_id": str, "inner_id": str, "depth": int},
        pk=("place_id", "inner_id"),
        foreign_keys=[("place_id", "places", "id"), ("inner_id", "places", "id")],
    )
    db.table("actors").create(
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
        },
        pk="id",
        not_null={"name", "name_sort", "kind", "body"},
        foreign_keys=[("affiliation_id", "actors", "id")],
    )
    db.table("aliases").create(
        {"alias": str, "alias_norm": str, "actor_id": str},
        pk="alias_norm",
        not_null={"alias", "actor_id"},
        foreign_keys=[("actor_id", "actors", "id")],
    )
    db.table("actor_affiliates").create(
        {"actor_id": str, "affiliate_id": str, "depth": int},
        pk=("actor_id", "affiliate_id"),
        foreign_keys=[("actor_id", "actors", "id"), ("affiliate_id", "actors", "id")],
    )
    db.table("actor_search").create(
        {"key": str, "actor_id": str}, pk=("key", "actor_id"), foreign_keys=[("actor_id", "actors", "id")]
    )
    db.table("sources").create(
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
        pk="id",
        not_null={"position", "date_sort", "sha256", "body", "text_body"},
        foreign_keys=[("outlet_id", "actors", "id")],
    )
    db.table("events").create(
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
        },
        pk="id",
        not_null={"type", "status", "certainty", "title", "description", "date_sort", "source_id", "body"},
        foreign_keys=[("source_id", "sources", "id"), ("place_id", "places", "id")],
    )
    db.table("event_participants").create(
        {"event_id": str, "actor_id": str, "role": str},
        pk=("event_id", "actor_id", "role"),
        foreign_keys=[("event_id", "events", "id"), ("actor_id", "actors", "id")],
    )
    db.table("event_claimants").create(
        {"event_id": str, "actor_id": str},
        pk=("event_id", "actor_id"),
        foreign_keys=[("event_id", "events", "id"), ("actor_id", "actors", "id")],
    )
    db.table("event_sources").create(
        {"event_id": str, "source_id": str, "span_start": int, "span_end": int},
        pk=("event_id", "source_id", "span_start"),
        foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")],
    )
    db.table("event_relations").create(
        {"event_id": str, "related_id": str},
        pk=("event_id", "related_id"),
        foreign_keys=[("event_id", "events", "id"), ("related_id", "events", "id")],
    )
    db.table("statements").create(
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
        },
        pk="id",
        not_null={
            "stance",
            "kind",
            "source_id",
            "summary",
            "date_sort",
            "span_start",
            "span_end",
            "body",
        },
        foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")],
    )
    db.table("statement_speakers").create(
        {"statement_id": str, "actor_id": str, "position": int},
        pk=("statement_id", "actor_id"),
        foreign_keys=[("statement_id", "statements", "id"), ("actor_id", "actors", "id")],
    )
    db.table("statement_targets").create(
        {"statement_id": str, "actor_id": str},
        pk=("statement_id", "actor_id"),
        foreign_keys=[("statement_id", "statements", "id"), ("actor_id", "actors", "id")],
    )
    db.table("casualties").create(
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
        },
        pk="id",
        not_null={"party_id", "category", "qualifier", "value", "date_sort", "source_id", "body"},
        foreign_keys=[
            ("party_id", "actors", "id"),
            ("claimed_by_id", "actors", "id"),
            ("place_id", "places", "id"),
            ("part_of_id", "casualties", "id"),
            ("statement_id", "statements", "id"),
            ("source_id", "sources", "id"),
        ],
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
    for column in ("type", "status", "certainty", "place_id", "source_id"):
        db.table("events").create_index([column, "date_sort", "id"])
    db.table("event_participants").create_index(["actor_id", "event_id"])
    db.table("event_claimants").create_index(["actor_id", "event_id"])
    db.table("event_sources").create_index(["source_id", "event_id"])
    for column in ("party_id", "claimed_by_id", "category", "place_id", "source_id"):
        db.table("casualties").create_index([column, "date_sort", "id"])
    db.table("actors").create_index(["name_sort", "id"])
    for column in ("kind", "country", "affiliation_id"):
        db.table("actors").create_index([column, "name_sort", "id"])
    db.table("actor_search").create_index(["actor_id"])
