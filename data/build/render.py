"""Stage 3: checked records -> the JSON the API serves, through the resource schemas.

One renderer for every record, given the ``CorpusIndex`` to look references up in (other
documents' events, sources, casualty figures, statements; actors) and the counts. Each body is
dumped once here; the API serves it as it is. ``document_rows`` gives everything one document
writes, ``actor_rows`` the actors once the whole corpus has been counted, ``place_rows`` the places.
"""

from __future__ import annotations

import json
from typing import Any

from schemas import flatten, sort_keys, vocab
from schemas import resources as res
from schemas.names import normalize_name
from schemas.sort_keys import date_sort

from ..dates import DateRange
from . import rows as record_rows
from .check import CheckedDocument, Record
from .index import CorpusIndex
from .load import schema

Rows = list[tuple[str, list[tuple[Any, ...]]]]  # (table, rows) in insertion order


def dump(cls: type, obj: Record) -> str:
    return json.dumps(schema(cls).dump(obj), ensure_ascii=False, separators=(",", ":"))


# The CSV row function of each record schema that has a CSV export (schemas/flatten.py).
_CSV_CELLS: dict[type, flatten.Row] = {
    cls: flatten.compiled(flatten.columns(cls)) for cls in (res.Statement, res.Event, res.Casualty, res.Actor)
}


def csv_headers() -> dict[str, str]:
    """The header line (CRLF-terminated) that goes with the stored CSV rows, by table: the API
    streams stored rows only under the header it would write itself (else rows of another
    column list, from a build by other code, would be misaligned)."""
    tables = {"statements": res.Statement, "events": res.Event, "casualties": res.Casualty, "actors": res.Actor}
    return {
        table: flatten.csv_reference_bytes([flatten.header(flatten.columns(cls))]).decode("utf-8")
        for table, cls in tables.items()
    }


def dump_with_csv(cls: type, obj: Record) -> tuple[str, str]:
    """The record's JSON, and its CSV row (CRLF-terminated) as the CSV export has it: made here
    once, so that an export streams rows as it streams bodies."""
    dumped = schema(cls).dump(obj)
    body = json.dumps(dumped, ensure_ascii=False, separators=(",", ":"))
    return body, flatten.csv_bytes([_CSV_CELLS[cls](dumped)]).decode("utf-8")


def dated(when: DateRange) -> Record:
    return {
        "date_start": when.start,
        "date_end": when.end,
        "date_precision": when.precision,
        "date_text": when.text,
        "date_basis": when.basis,
    }


class Renderer:
    """Turns checked records into resource objects for the schemas to dump."""

    def __init__(self, index: CorpusIndex):
        self.index = index

    def statement(self, st: Record) -> Record:
        ix = self.index
        return {
            **dated(st["when"]),
            "id": st["id"],
            "speakers": [
                {"actor": ix.actor_ref(s["actor"]), "as_written": s["as_written"], "span": s["span"]}
                for s in st["speakers"]
            ],
            "attribution": st["attribution"],
            "quote": st["quote"],
            "summary": st["summary"],
            "kind": st["kind"],
            "stance": st["stance"],
            "targets": [ix.actor_ref(t) for t in st["targets"]],
            "via": [{"actor": ix.actor_ref(link["actor"]), "channel": link["channel"]} for link in st["via"]],
            "event": ix.event_ref(st["event"]),
            "source": ix.source_ref(st["source_id"]),
            "span": st["span"],
            "excerpt": st["excerpt"],
            "excerpt_span": st["excerpt_span"],
            "note": st["note"],
        }

    def event(self, ev: Record) -> Record:
        ix = self.index
        return {
            **dated(ev["when"]),
            "id": ev["id"],
            "type": ev["type"],
            "status": ev["status"],
            "certainty": ev["certainty"],
            "asserted_by": [ix.actor_ref(a) for a in ev["asserted_by"]],
            "title": ev["title"],
            "description": ev["description"],
            "participants": [{"actor": ix.actor_ref(p["actor"]), "role": p["role"]} for p in ev["participants"]],
            "location": ix.location(ev["location"]),
            "plover": plover(ev),
            "sources": [
                {
                    "source": ix.source_ref(s.source_id),
                    "span": s.span,
                    "excerpt": s.excerpt,
                    "excerpt_span": s.excerpt_span,
                }
                for s in ev["supports"]
            ],
            "related": [ix.event_ref(r) for r in ev["related"]],
            "note": ev["note"],
        }

    def casualty(self, cas: Record) -> Record:
        ix, as_of = self.index, cas["as_of_range"]
        return {
            "id": cas["id"],
            "party": ix.actor_ref(cas["party"]),
            "category": cas["category"],
            "value": cas["value"],
            "low": cas["low"],
            "high": cas["high"],
            "qualifier": cas["qualifier"],
            "claimed_by": ix.actor_ref(cas["claimed_by"]),
            "as_of": {"start": as_of.start, "end": as_of.end, "precision": as_of.precision, "text": as_of.text},
            "as_of_basis": as_of.basis,
            "location": ix.location(cas["location"]),
            "part_of": ix.casualty_ref(cas["part_of"]),
            "statement": ix.statement_ref(cas["statement"]),
            "source": ix.source_ref(cas["source_id"]),
            "span": cas["span"],
            "excerpt": cas["excerpt"],
            "excerpt_span": cas["excerpt_span"],
            "note": cas["note"],
        }

    def source(self, checked: CheckedDocument) -> Record:
        source, doc = checked.source, checked.source.document
        return {
            **self.index.source_ref(source.id),
            "summary": doc["summary"],
            "outlet_basis": doc["outlet_basis"],
            "published_note": doc["published_note"],
            "byline": checked.byline,
            "language": doc["language"],
            "url": doc["url"],
            "images": [{k: img[k] for k in ("url", "caption", "credit")} for img in checked.images],
            "sha256": source.sha256,
            "bytes": source.size,
            "length": len(source.text),
            **self.index.source_counts[source.id],
        }

    def actor(self, actor: Record, affiliates: list[str]) -> Record:
        ix = self.index
        return {
            "id": actor["id"],
            "name": actor["name"],
            "kind": actor["kind"],
            "country": actor["country"],
            "title": actor["title"],
            "aliases": actor["aliases"],
            "affiliation": ix.actor_ref(actor["affiliation"]),
            "affiliates": [ix.actor_ref(a) for a in affiliates],
            "wikidata": actor["wikidata"],
            "statement_count": ix.statement_count[actor["id"]],
            "statement_count_with_affiliates": ix.statement_count_with_affiliates(actor["id"]),
            "event_count": ix.event_count[actor["id"]],
            "note": actor["note"],
        }

    def place(self, place: Record) -> Record:
        return {
            **self.index.place(place["id"]),
            "aliases": place["aliases"],
            "within": self.index.place_ref(place["within"]),
            "wikidata": place["wikidata"],
        }


def plover(ev: Record) -> str | None:
    """The event's PLOVER category: as annotated, else the one its type implies."""
    category: str | None = ev["plover"] or vocab.EVENT_TYPES[ev["type"]]
    return category


def document_rows(checked: CheckedDocument, index: CorpusIndex, position: int) -> Rows:
    """Every row one document writes: its source, then its events, statements and casualties."""
    render = Renderer(index)
    source = render.source(checked)
    rows: Rows = [
        (
            "sources",
            [
                record_rows.source_row(
                    checked,
                    position,
                    dump(res.Source, source),
                    dump(res.SourceWithText, {**source, "text": checked.source.text}),
                )
            ],
        )
    ]
    for i, ev in enumerate(checked.events):
        keys, rowid = (
            index.place_keys(ev["location"]),
            sort_keys.rowid(date_sort(ev["when"].start), ev["id"], position, i),
        )
        rows += record_rows.event_rows(ev, plover(ev), keys, dump_with_csv(res.Event, render.event(ev)), rowid)
    for i, st in enumerate(checked.statements):
        rowid = sort_keys.rowid(date_sort(st["when"].start), st["id"], position, i)
        rows += record_rows.statement_rows(st, dump_with_csv(res.Statement, render.statement(st)), rowid)
    for cas in checked.casualties:
        keys = index.place_keys(cas["location"])
        rows += record_rows.casualty_rows(cas, keys, dump_with_csv(res.Casualty, render.casualty(cas)))
    return rows


def actor_rows(index: CorpusIndex) -> list[Record]:
    """Every actor, with its direct affiliates and its counts over the whole corpus."""
    render, actors = Renderer(index), index.actors
    children: dict[str, list[str]] = {a: [] for a in actors}
    for actor in actors.values():
        if actor["affiliation"]:
            children[actor["affiliation"]].append(actor["id"])
    rows = []
    for actor in sorted(actors.values(), key=lambda a: a["id"]):
        body, csv = dump_with_csv(res.Actor, render.actor(actor, sorted(children[actor["id"]])))
        rows.append(
            {
                "id": actor["id"],
                "name": actor["name"],
                "name_sort": normalize_name(actor["name"]),
                "kind": actor["kind"],
                "country": actor["country"],
                "title": actor["title"],
                "affiliation_id": actor["affiliation"],
                "wikidata": actor["wikidata"],
                "statement_count": index.statement_count[actor["id"]],
                "event_count": index.event_count[actor["id"]],
                "body": body,
                "csv": csv,
            }
        )
    return rows


def place_rows(index: CorpusIndex) -> list[Record]:
    """Every place of the registry, with its record."""
    render = Renderer(index)
    return [
        {
            "id": place["id"],
            "name": place["name"],
            "precision": place["precision"],
            "region": place["region"],
            "country": place["country"],
            "lat": place["lat"],
            "lon": place["lon"],
            "within_id": place["within"],
            "wikidata": place["wikidata"],
            "body": dump(res.Place, render.place(place)),
        }
        for place in sorted(index.places.values(), key=lambda p: p["id"])
    ]
