"""Keyset paging: opaque cursors, and the page query that plans and reads one page.

A page is ordered on (sort key, id) and continues after the last row of the previous one, whose
key and id the cursor carries; totals are counted once per filter (``Database.cached_count``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..db import Database
from .filters import Condition, DateOverlap, SortKeyRange
from .sql import Where, where


class BadParameter(Exception):
    """A parameter that parsed but cannot be used (e.g. a forged cursor); answered with 400."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def encode_cursor(sort: str, key: str, record_id: str) -> str:
    raw = json.dumps([sort, key, record_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadParameter("cursor", "Is not a cursor this API issued.") from None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise BadParameter("cursor", "Is not a cursor this API issued.")
    if value[0] != sort:
        raise BadParameter("cursor", f"Belongs to sort={value[0]}, not sort={sort}; keep the sort when paging.")
    return value[1], value[2]


SORTS = {
    "date": ("date_sort", "ASC"),
    "-date": ("date_sort", "DESC"),
    "name": ("name_sort", "ASC"),
    "-name": ("name_sort", "DESC"),
}

# Walk the sort index for a full-text filter when matches² > this × rows: sorting M matches costs
# about 3 µs each, a probe about 25 µs, and a page needs about 21 × rows / M probes.
FTS_WALK_FACTOR = 175


@dataclass(frozen=True)
class Page:
    bodies: list[str]  # the records' JSON, as the build rendered them
    total: int
    next_cursor: str | None


def bounded(db: Database, table: str, conditions: Sequence[Condition]) -> list[Condition]:
    """The conditions, with bounds on the date sort key for a date range, so that an index range
    answers them: a range starts on or before ``until`` and, being at most ``span`` days long,
    starts on or after ``since - span``. Undated rows (key '') are out, or, with
    ``undated=include``, kept by bounds that let them in."""
    dates = next((c for c in conditions if isinstance(c, DateOverlap)), None)
    if dates is None or dates.undated == "only" or (dates.since is None and dates.until is None):
        return list(conditions)
    span = db.date_spans.get(table)
    low = (dates.since - dt.timedelta(days=span)).isoformat() if dates.since is not None and span is not None else None
    high = dates.until.isoformat() if dates.until is not None else None
    return [*conditions, SortKeyRange(low, high, undated=dates.undated == "include")]


def count(db: Database, table: str, clause: Where) -> int:
    """How many records of ``table`` the clause selects (kept per filter)."""
    if not clause.terms:
        return int(db.counts[table])  # the build counted every table
    sql = " AND ".join(clause.terms)
    if clause.only_scope:
        count_sql = f"SELECT count(*) FROM scopes s WHERE {sql}"
    else:
        count_sql = f"SELECT count(*) FROM {_source(table, clause)} WHERE {sql}"
    return int(db.cached_count((table, sql, tuple(clause.params)), count_sql, clause.params))


def _source(table: str, clause: Where) -> str:
    return f"scopes s JOIN {table} t ON t.id = s.record_id" if clause.scope else f"{table} t"


def _ordered(table: str, clause: Where, sort: str, terms: Sequence[str]) -> str:
    """SELECT id, sort key, body of the rows ``terms`` select, in the order of ``sort`` (by the
    scope's rows when a filter is answered from the scopes table: its date order)."""
    column, direction = SORTS[sort]
    key_table, key_id = ("s", "s.record_id") if clause.scope else ("t", "t.id")
    return (
        f"SELECT t.id, {key_table}.{column}, t.body FROM {_source(table, clause)} WHERE {' AND '.join(terms) or '1'} "
        f"ORDER BY {key_table}.{column} {direction}, {key_id} {direction}"
    )


def every_record(db: Database, table: str, conditions: Sequence[Condition], sort: str) -> sqlite3.Cursor | None:
    """Every record the conditions select, (id, sort key, body), in page order, as one cursor (an
    export); None when a condition matches nothing."""
    clause = where(db, bounded(db, table, conditions))
    if clause is None:
        return None
    return db.execute(_ordered(table, clause, sort, clause.terms), clause.params)


def page(db: Database, table: str, conditions: Sequence[Condition], sort: str, limit: int, cursor: str | None) -> Page:
    """One page of ``table``, by keyset on (sort key, id).

    The plan: the WHERE clause for the conditions, the total, then how to read the page. A
    full-text filter is a list of its matches (``IN``) unless it is frequent: then, rather than
    fetch and sort every match (cost grows with the corpus), the page walks the sort index and
    probes the full-text index per row; with matches this dense the page fills after about
    limit × rows / matches probes, whatever the corpus size."""
    column, direction = SORTS[sort]
    position = decode_cursor(cursor, sort) if cursor is not None else None  # refused even when nothing matches
    planned = bounded(db, table, conditions)
    clause = where(db, planned)
    if clause is None:
        return Page([], 0, None)
    total = count(db, table, clause)
    if clause.full_text and clause.scope is None and total * total > FTS_WALK_FACTOR * db.counts.get(table, 0):
        clause = where(db, planned, fts_probe=True) or clause
    key_table, key_id = ("s", "s.record_id") if clause.scope else ("t", "t.id")
    terms, params = list(clause.terms), list(clause.params)
    if position is not None:
        terms.append(f"({key_table}.{column}, {key_id}) {'>' if direction == 'ASC' else '<'} (?, ?)")
        params.extend(position)
    rows: list[Any] = db.execute(_ordered(table, clause, sort, terms) + " LIMIT ?", [*params, limit + 1]).fetchall()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(sort, rows[-1][1], rows[-1][0])
    return Page([r[2] for r in rows], total, next_cursor)
