"""The rows each checked record becomes, positionally in the column order of ``tables.TABLES``
(filled by ``tables.INSERT``): a record's own table, then its link tables."""

from __future__ import annotations

import datetime as dt

from schemas.sort_keys import date_sort

from .check import CheckedDocument, Record
from .tables import Row


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


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


def event_rows(
    ev: Record, plover: str | None, place_keys: list[str], body: tuple[str, str], rowid: int
) -> list[tuple[str, list[Row]]]:
    """``body``: the record's JSON and its CSV row."""
    when = ev["when"]
    place = ev["location"]["place"] if ev["location"] else None
    return [
        (
            "events",
            [
                (
                    rowid,
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
                    *body,
                )
            ],
        ),
        ("event_places", [(key, ev["id"]) for key in place_keys]),
        ("event_participants", [(ev["id"], p["actor"], p["role"]) for p in ev["participants"]]),
        ("event_claimants", [(ev["id"], a) for a in dict.fromkeys(ev["asserted_by"])]),
        ("event_sources", [(ev["id"], s.source_id, s.span.start, s.span.end) for s in ev["supports"]]),
        ("event_relations", [(ev["id"], related) for related in ev["related"]]),
    ]


def statement_rows(st: Record, body: tuple[str, str], rowid: int) -> list[tuple[str, list[Row]]]:
    """``body``: the record's JSON and its CSV row."""
    when = st["when"]
    return [
        (
            "statements",
            [
                (
                    rowid,
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
                    *body,
                )
            ],
        ),
        (
            "statement_speakers",
            [(st["id"], a, i) for i, a in enumerate(dict.fromkeys(s["actor"] for s in st["speakers"]))],
        ),
        ("statement_targets", [(st["id"], t) for t in dict.fromkeys(st["targets"])]),
    ]


def casualty_rows(c: Record, place_keys: list[str], body: tuple[str, str]) -> list[tuple[str, list[Row]]]:
    """``body``: the record's JSON and its CSV row."""
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
                    *body,
                )
            ],
        ),
        ("casualty_places", [(key, c["id"]) for key in place_keys]),
    ]
