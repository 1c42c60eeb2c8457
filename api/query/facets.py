"""Facets: how many records of a filtered list have each value of a field, in one query per facet.

A resource declares its facets (``Facet``: the SQL expression of the value, the join that reaches
it, the parameters whose filters it leaves out); ``count_facets`` answers a request. Each facet
applies every filter but its own (``ignores``), so that a multi-select shows the alternatives; a
multi-valued field (speakers, targets, participants) counts a record once under each of its values,
and records with no value count under ``None``. Buckets are sorted by count, then value. The
database never changes, so each facet's buckets are kept per filter (``Database.cached``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..db import Database
from .filters import ActorMatch, Condition, FilterSpec, conditions, resolutions
from .paging import bounded, count
from .resolve import Resolution
from .sql import where


@dataclass(frozen=True)
class Facet:
    name: str
    value: str  # the SQL expression of a record's value, over ``t`` (and ``f``, the joined row)
    description: str
    join: str = ""  # joined to reach the value: ``f``, one row per value (LEFT: none counts as null)
    ignores: tuple[str, ...] = ()  # the parameters of the filters this facet leaves out
    resource: str | None = None  # values are ids of this resource: buckets are labelled with its names
    distinct: bool = False  # a record may have the same value twice through the join: count it once
    # Count the joined rows of the actors this parameter filters on only (a participant's role).
    actor_param: str | None = None


# Counts over time: by the year, month and day the record's date starts in (null: undated), read
# from the date sort key (the start date, '' when unknown), which the date index holds.
# The date facets' own filter is the date range (and what becomes of undated records): like every
# facet they ignore it, so a histogram keeps every bar while a range is chosen.
_DATE_FILTERS = ("since", "until", "undated")
DATES = (
    Facet(
        "year",
        "nullif(substr(t.date_sort, 1, 4), '')",
        "Year the date starts in (YYYY); null: undated.",
        ignores=_DATE_FILTERS,
    ),
    Facet(
        "month",
        "nullif(substr(t.date_sort, 1, 7), '')",
        "Month the date starts in (YYYY-MM); null: undated.",
        ignores=_DATE_FILTERS,
    ),
    Facet(
        "day", "nullif(t.date_sort, '')", "Day the date starts on (YYYY-MM-DD); null: undated.", ignores=_DATE_FILTERS
    ),
)


# A term that an index seeks: equality or IN on a column of the record (or the scopes row, or a link).
_INDEXED_FILTER = re.compile(
    r"^(?:[ts]\.\w+ (?:= \?|IN \()|t\.id IN \(SELECT|EXISTS|t\.rowid IN|[ts]\.date_sort (?:>= \?|<= \?|BETWEEN))"
)


@dataclass(frozen=True)
class FacetCounts:
    buckets: dict[str, list[dict[str, Any]]]  # facet name -> buckets, most frequent first
    truncated: list[str]  # the facets that had more values than the size
    total: int
    resolved: list[Resolution]


def _labels(db: Database, resource: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    if resource == "actors":
        return {i: db.actor_refs[i]["name"] for i in ids if i in db.actor_refs}
    if resource == "places":
        return {i: db.places[i][0] for i in ids if i in db.places}
    marks = ",".join("?" * len(ids))
    if resource == "events":
        return dict(db.execute(f"SELECT id, title FROM events WHERE id IN ({marks})", ids).fetchall())
    titles = db.execute(f"SELECT id, json_extract(body, '$.title') FROM sources WHERE id IN ({marks})", ids)
    return {i: title or i for i, title in titles}


def _buckets(db: Database, table: str, facet: Facet, found: Sequence[Condition], size: int) -> list[tuple[Any, int]]:
    """(value, count) of the ``size + 1`` most frequent values of the facet among the records the
    conditions select (one more than shown says whether there were more); kept per filter."""
    clause = where(db, bounded(db, table, found))
    if clause is None:
        return []
    join, params = facet.join, list(clause.params)
    if facet.actor_param:
        match = next(
            (c for c in found if isinstance(c, ActorMatch) and c.resolutions[0].parameter == facet.actor_param), None
        )
        if match is not None:
            join += f" AND f.actor_id IN ({','.join('?' * len(match.actor_ids))})"
            params[:0] = match.actor_ids
    source = f"scopes s JOIN {table} t ON t.id = s.record_id" if clause.scope else f"{table} t"
    counted = "count(DISTINCT t.id)" if facet.distinct else "count(*)"
    # With a filter on another column, seek that filter's index and group what it finds; left to
    # itself, SQLite walks the facet column's whole index to group in order ("+" hides that index).
    value = f"+{facet.value}" if any(_INDEXED_FILTER.search(term) for term in clause.terms) else facet.value
    sql = f"SELECT {value} AS v, {counted} FROM {source} {join} WHERE {' AND '.join(clause.terms) or '1'} GROUP BY v"

    def top() -> list[tuple[Any, int]]:
        rows = db.execute(sql, params).fetchall()
        return sorted(rows, key=lambda r: (-r[1], r[0] is None, r[0] or ""))[: size + 1]

    rows: list[tuple[Any, int]] = db.cached(("facet", sql, tuple(params), size), top)
    return rows


def count_facets(
    db: Database,
    table: str,
    specs: Sequence[FilterSpec],
    declared: Mapping[str, Facet],
    args: Mapping[str, Any],
) -> FacetCounts:
    """The buckets of every facet in ``args["facet"]``, at most ``args["facet_size"]`` each."""
    size = args["facet_size"]
    everything = conditions(db, specs, args)
    clause = where(db, bounded(db, table, everything))
    total = 0 if clause is None else count(db, table, clause)
    buckets: dict[str, list[dict[str, Any]]] = {}
    truncated = []
    for name in args["facet"]:
        facet = declared[name]
        found = conditions(db, specs, args, ignore=facet.ignores) if facet.ignores else everything
        rows = _buckets(db, table, facet, found, size)
        if len(rows) > size:
            truncated.append(name)
            rows = rows[:size]
        labels = _labels(db, facet.resource, [v for v, _ in rows if v is not None]) if facet.resource else {}
        buckets[name] = [
            {
                "value": value,
                "count": n,
                "label": labels.get(value),
                "actor": db.actor_refs.get(value) if facet.resource == "actors" else None,
            }
            for value, n in rows
        ]
    return FacetCounts(buckets, truncated, total, resolutions(everything))
