"""``include=actors,events,sources,places``: the full records a page refers to, each once.

Where the references are is read off the resource schemas (every ``ActorRef``, ``EventRef``,
``SourceRef``, ``PlaceRef`` and ``Location`` a record nests, at any depth), so a reference added to
a schema is followed without a change here. Only the page's rows are walked, not the records
included; a record of the page's own resource that is on the page is not repeated. The records the filters
name (``named``: an actor page's actor, and the actors above it) are included with the referenced
ones, whether or not a row refers to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from marshmallow import Schema, fields

from schemas import resources as res
from schemas.queries import INCLUDE_CHOICES

from ..db import Database

# The record each list's rows are (a source row is the record without its text).
_ROW_SCHEMAS: dict[str, type[Schema]] = {
    "statements": res.Statement,
    "events": res.Event,
    "casualties": res.Casualty,
    "actors": res.Actor,
    "sources": res.Source,
}
# A nested schema that refers to a record of a kind (its ``id`` is the record's id).
_REFERS_TO: dict[type[Schema], str] = {
    res.ActorRef: "actors",
    res.EventRef: "events",
    res.SourceRef: "sources",
    res.PlaceRef: "places",
    res.Location: "places",
}
# Each kind's table holds the record's JSON in its ``body`` column (sources: without the text).
_TABLES = {kind: kind for kind in INCLUDE_CHOICES}
_CHUNK = 500  # ids per query, well under SQLite's limit on bound parameters

Plan = tuple[tuple[str, bool, "str | None", "Plan"], ...]  # (field, is a list, kind it refers to, nested plan)


@cache
def _plan(schema: type[Schema]) -> Plan:
    """Where the references are in a record of ``schema``: its nested fields that are or hold one."""
    steps = []
    for name, field in schema._declared_fields.items():
        many = isinstance(field, fields.List)
        inner = field.inner if isinstance(field, fields.List) else field
        if not isinstance(inner, fields.Nested):
            continue
        nested = inner.nested
        nested_cls = nested if isinstance(nested, type) else type(nested)
        kind, sub = _REFERS_TO.get(nested_cls), _plan(nested_cls)
        if kind or sub:
            steps.append((name, many, kind, sub))
    return tuple(steps)


def _gather(plan: Plan, record: dict[str, Any], found: dict[str, set[str]]) -> None:
    for name, many, kind, sub in plan:
        value = record.get(name)
        if value is None:
            continue
        for item in value if many else (value,):
            if item is None:
                continue
            if kind is not None:
                found[kind].add(item["id"])
            if sub:
                _gather(sub, item, found)


def referenced(table: str, bodies: Sequence[str]) -> dict[str, list[str]]:
    """The ids of every record of each kind the rows refer to, sorted; the rows' own left out."""
    plan = _plan(_ROW_SCHEMAS[table])
    found: dict[str, set[str]] = {kind: set() for kind in INCLUDE_CHOICES}
    own: set[str] = set()
    for body in bodies:
        record = orjson.loads(body)
        own.add(record["id"])
        _gather(plan, record, found)
    if table in found:
        found[table] -= own
    return {kind: sorted(ids) for kind, ids in found.items()}


def included(
    db: Database,
    table: str,
    bodies: Sequence[str],
    kinds: Sequence[str] | None,
    resolved: Sequence[Any] = (),
) -> str | None:
    """The ``included`` object of a page of ``table`` as JSON text: for each kind asked for (in
    the order of INCLUDE_CHOICES), the full records the rows refer to and those the filters named
    (``resolved``: the page's ``Resolution``s), sorted by id; None when nothing was asked for."""
    if not kinds:
        return None
    ids = referenced(table, bodies)
    for kind, extra in named_records(db, resolved).items():
        if kind in ids and extra:
            ids[kind] = sorted(set(ids[kind]).union(extra))
    parts = []
    for kind in INCLUDE_CHOICES:
        if kind not in kinds:
            continue
        wanted, records = ids[kind], []
        for i in range(0, len(wanted), _CHUNK):  # sorted chunks, each read in id order
            chunk = wanted[i : i + _CHUNK]
            sql = f"SELECT body FROM {_TABLES[kind]} WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id"
            records += [row[0] for row in db.execute(sql, chunk)]
        parts.append(f'"{kind}":[' + ",".join(records) + "]")
    return "{" + ",".join(parts) + "}"


def named_records(db: Database, resolved: Sequence[Any]) -> dict[str, list[str]]:
    """The records the filters' values matched (``Resolution``s), by kind; for an actor, the
    actors it is affiliated with as well, up the tree (what an actor page shows above it)."""
    named: dict[str, set[str]] = {}
    for resolution in resolved:
        if resolution.matched is None:
            continue
        ids = named.setdefault(resolution.resource, set())
        ids.add(resolution.matched)
        if resolution.resource == "actors":
            ids.update(db.ancestors.get(resolution.matched, ()))
    return {kind: sorted(ids) for kind, ids in named.items()}
